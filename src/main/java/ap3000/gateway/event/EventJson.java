package ap3000.gateway.event;

import java.util.Map;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;

import ap3000.gateway.protocol.OrderNumber;

/**
 * The gateway's JSON: one mapper, configured here, for events, webhooks, the API's own bodies and node messages.
 * Decimals are written as plain numbers (0.48, never 4.8E-1). The mapper refuses fields a type does not have, which
 * is what checking a request body, a parameter block or a node message needs; events are read leniently instead
 * ({@link #readValue}), so that older gateways read newer journal entries.
 */
public final class EventJson {

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
            .build();

    private static final ObjectReader LENIENT = MAPPER.reader()
            .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /**
     * The same mapper with the names a payload's fields take in the gateway's own events: snake_case with their units,
     * decimals exact, order numbers as text. A naming strategy belongs to a mapper, not to a reader, hence a copy.
     */
    private static final ObjectMapper PAYLOAD_FIELDS = MAPPER.rebuild()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .addModule(new SimpleModule().addSerializer(OrderNumber.class, ToStringSerializer.instance))
            .build();

    private EventJson() {
    }

    public static String write(DeviceEvent event) {
        return writeValue(event);
    }

    /** Any value (an event inside a wrapper record) in the same form. */
    public static String writeValue(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("not serialisable: " + value, e);
        }
    }

    public static DeviceEvent read(String json) {
        return readValue(json, DeviceEvent.class);
    }

    /** A value this class wrote (a dead letter, an attempt); fields it does not know are ignored. */
    public static <T> T readValue(String json, Class<T> type) {
        try {
            return LENIENT.forType(type).readValue(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a " + type.getSimpleName() + ": " + json, e);
        }
    }

    /** The shared mapper, for JSON that is not an event (API answers, request bodies, node messages, documents). */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** A decoded frame's payload as the data of the gateway's own event (see {@link #PAYLOAD_FIELDS}). */
    public static Map<String, Object> payloadFields(Object payload) {
        return PAYLOAD_FIELDS.convertValue(payload, new TypeReference<>() {
        });
    }
}
