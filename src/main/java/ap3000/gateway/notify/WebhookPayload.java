package ap3000.gateway.notify;

import java.util.LinkedHashMap;
import java.util.Map;

import ap3000.gateway.event.DeviceEvent;
import ap3000.gateway.event.EventJson;

/**
 * The body third parties receive: exactly the contract's envelope ({@code event_id}, {@code event_type},
 * {@code device_id}, {@code port_number} when the event concerns a port, {@code timestamp} in Unix seconds,
 * {@code data}), without the journal's own fields (raw frame, node, microseconds).
 */
public final class WebhookPayload {

    private WebhookPayload() {
    }

    public static String of(DeviceEvent event) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("event_id", event.eventId());
        body.put("event_type", event.eventType());
        body.put("device_id", event.deviceId());
        if (event.portNumber() != null) {
            body.put("port_number", event.portNumber());
        }
        body.put("timestamp", event.timestamp());
        body.put("data", event.data());
        return EventJson.writeValue(body);
    }
}
