package ap3000.gateway.notify;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import ap3000.gateway.event.EventType;

/**
 * The published schemas against the contract third parties code against: the example payloads and validation rules
 * of {@code ../shared/seeds/third-party-integration-examples.md} (beside the repository, in CI as here). Each
 * example's fields must be required by its type's schema (the seed's own "optional" fields may be absent) with a
 * type the example's value has.
 */
class WebhookContractTest {

    private static final Path SEED = Path.of("..", "shared", "seeds", "third-party-integration-examples.md");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern JSON_BLOCK = Pattern.compile("```json\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern RULE = Pattern.compile(
            "'(\\w+)':\\s*\\{\\s*required:\\s*\\[([^\\]]*)\\],\\s*optional:\\s*\\[([^\\]]*)\\]");

    private static List<JsonNode> examples;
    private static Map<String, Set<String>> optional;
    private static Map<String, Set<String>> required;

    @BeforeAll
    static void readSeed() throws IOException {
        String seed = Files.readString(SEED);
        examples = new ArrayList<>();
        Matcher block = JSON_BLOCK.matcher(seed);
        while (block.find()) {
            JsonNode example = JSON.readTree(block.group(1));
            if (example.has("event_type")) {
                examples.add(example);
            }
        }
        optional = new java.util.HashMap<>();
        required = new java.util.HashMap<>();
        Matcher rule = RULE.matcher(seed);
        while (rule.find()) {
            required.put(rule.group(1), fields(rule.group(2)));
            optional.put(rule.group(1), fields(rule.group(3)));
        }
    }

    @Test
    void should_find_the_seeds_examples_and_rules() {
        assertThat(examples).extracting(e -> e.get("event_type").asText()).contains("device_online",
                "device_register", "device_heartbeat", "charging_start", "port_heartbeat", "power_heartbeat",
                "charging_power", "charging_end", "settlement", "charging_failed", "device_offline");
        assertThat(required).containsKeys("device_online", "charging_start", "settlement");
    }

    @Test
    void should_publish_a_schema_for_every_event_type() {
        for (EventType type : EventType.values()) {
            assertThat(EventSchemas.text(type.wireName())).as(EventSchemas.resource(type.wireName())).isNotNull();
        }
    }

    @Test
    void should_require_every_field_of_every_seed_example_with_a_compatible_type() throws IOException {
        List<String> problems = new ArrayList<>();
        for (JsonNode example : examples) {
            String type = example.get("event_type").asText();
            JsonNode schema = JSON.readTree(EventSchemas.text(type));
            check(type, "", example, schema, Set.of(), problems);
            check(type, "data.", example.get("data"), schema.at("/properties/data"),
                    optional.getOrDefault(type, Set.of()), problems);
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void should_require_every_field_the_seeds_validation_rules_require() throws IOException {
        for (Map.Entry<String, Set<String>> rule : required.entrySet()) {
            JsonNode schema = JSON.readTree(EventSchemas.text(rule.getKey()));
            for (String field : rule.getValue()) {
                JsonNode object = field.startsWith("data.") ? schema.at("/properties/data") : schema;
                String name = field.startsWith("data.") ? field.substring(5) : field;
                assertThat(names(object.get("required"))).as(rule.getKey() + " requires " + field).contains(name);
            }
        }
    }

    private static void check(String type, String prefix, JsonNode example, JsonNode schema, Set<String> mayBeAbsent,
                              List<String> problems) {
        Set<String> requiredHere = names(schema.get("required"));
        for (Iterator<Map.Entry<String, JsonNode>> it = example.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String name = prefix + field.getKey();
            JsonNode property = schema.at("/properties/" + field.getKey());
            if (property.isMissingNode()) {
                problems.add(type + ": " + name + " is not in the schema");
                continue;
            }
            if (!requiredHere.contains(field.getKey()) && !mayBeAbsent.contains(name)) {
                problems.add(type + ": " + name + " is not required");
            }
            if (!compatible(field.getValue(), property)) {
                problems.add(type + ": " + name + " = " + field.getValue() + " does not fit " + property);
            }
        }
    }

    /** The example's value has a type the property allows (and is one of its values when it lists them). */
    private static boolean compatible(JsonNode value, JsonNode property) {
        if (property.has("const")) {
            return property.get("const").equals(value);
        }
        if (property.has("enum")) {
            for (JsonNode allowed : property.get("enum")) {
                if (allowed.equals(value)) {
                    return true;
                }
            }
            return false;
        }
        Set<String> types = new HashSet<>();
        JsonNode type = property.get("type");
        if (type == null) {
            return true;
        }
        if (type.isArray()) {
            type.forEach(t -> types.add(t.asText()));
        } else {
            types.add(type.asText());
        }
        return switch (value.getNodeType()) {
            case NUMBER -> value.isIntegralNumber() ? types.contains("integer") || types.contains("number")
                    : types.contains("number");
            case STRING -> types.contains("string");
            case BOOLEAN -> types.contains("boolean");
            case ARRAY -> types.contains("array");
            case OBJECT -> types.contains("object");
            case NULL -> types.contains("null");
            default -> false;
        };
    }

    private static Set<String> names(JsonNode array) {
        Set<String> names = new HashSet<>();
        if (array != null) {
            array.forEach(n -> names.add(n.asText()));
        }
        return names;
    }

    private static Set<String> fields(String list) {
        Set<String> fields = new HashSet<>();
        Matcher quoted = Pattern.compile("'([^']+)'").matcher(list);
        while (quoted.find()) {
            fields.add(quoted.group(1));
        }
        return fields;
    }
}
