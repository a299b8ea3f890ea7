package ap3000.gateway.notify;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import ap3000.gateway.event.EventType;

/** docs/event-catalogue.md shows receivers one valid example of every event type. */
class EventCatalogueTest {

    private static final Pattern JSON_BLOCK = Pattern.compile("```json\\n(.*?)```", Pattern.DOTALL);

    @Test
    void should_show_one_example_per_event_type_each_valid_against_its_schema() throws IOException {
        String catalogue = Files.readString(Path.of("docs", "event-catalogue.md"));
        ObjectMapper json = new ObjectMapper();
        List<String> types = new ArrayList<>();
        List<String> violations = new ArrayList<>();
        Matcher block = JSON_BLOCK.matcher(catalogue);
        while (block.find()) {
            JsonNode example = json.readTree(block.group(1));
            String type = example.path("event_type").asText();
            types.add(type);
            EventSchemas.violations(type, block.group(1)).forEach(v -> violations.add(type + " " + v));
        }
        assertThat(violations).isEmpty();
        assertThat(types).containsExactlyInAnyOrderElementsOf(
                Arrays.stream(EventType.values()).map(EventType::wireName).toList());
    }
}
