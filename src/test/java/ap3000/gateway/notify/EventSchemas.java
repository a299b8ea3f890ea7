package ap3000.gateway.notify;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

import ap3000.gateway.event.EventType;

/**
 * The published webhook contract: one JSON Schema (draft 2020-12) per event type, read from the classpath where
 * the gateway ships them ({@code contract/events/<wire name>.schema.json}).
 */
public final class EventSchemas {

    private static final SchemaRegistry REGISTRY =
            SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    private static final Map<String, Schema> SCHEMAS = new ConcurrentHashMap<>();

    private EventSchemas() {
    }

    public static String resource(String wireName) {
        return "contract/events/" + wireName + ".schema.json";
    }

    /** The schema's text, or null when the type has none. */
    public static String text(String wireName) {
        try (InputStream in = EventSchemas.class.getClassLoader().getResourceAsStream(resource(wireName))) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What is wrong with a webhook body for its {@code event_type}; empty when it is valid. */
    public static List<String> violations(String eventType, String body) {
        if (eventType == null || EventType.valueOfWire(eventType).isEmpty()) {
            return List.of("event_type " + eventType + " is not one of the gateway's event types");
        }
        Schema schema = SCHEMAS.computeIfAbsent(eventType, type -> {
            String text = text(type);
            if (text == null) {
                throw new IllegalStateException("no schema " + resource(type));
            }
            return REGISTRY.getSchema(text, InputFormat.JSON);
        });
        return schema.validate(body, InputFormat.JSON).stream()
                .map(error -> error.getInstanceLocation() + ": " + error.getMessage()).toList();
    }
}
