package ap3000.gateway.event;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The one JSON form of a {@link DeviceEvent} (and of the envelopes around it): decimals as plain numbers (0.48,
 * never 4.8E-1). Reading ignores fields it does not know, so that older gateways read newer journal entries.
 */
public final class EventJson {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
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

    /** A value this class wrote (a dead letter, an attempt). */
    public static <T> T readValue(String json, Class<T> type) {
        try {
            return MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a " + type.getSimpleName() + ": " + json, e);
        }
    }
}
