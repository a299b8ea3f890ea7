package ap3000.gateway.event;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** The one JSON form of a {@link DeviceEvent}: decimals as plain numbers (0.48, never 4.8E-1). */
public final class EventJson {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
            .build();

    private EventJson() {
    }

    public static String write(DeviceEvent event) {
        try {
            return MAPPER.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("event not serialisable: " + event.eventId(), e);
        }
    }

    public static DeviceEvent read(String json) {
        try {
            return MAPPER.readValue(json, DeviceEvent.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not an event: " + json, e);
        }
    }
}
