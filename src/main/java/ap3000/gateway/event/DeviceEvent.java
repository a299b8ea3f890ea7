package ap3000.gateway.event;

import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One business event, the single model that the audit trail stores and the webhooks carry. The first six fields
 * are the webhook contract's envelope; the rest say where the event came from, for the audit trail.
 *
 * @param eventId     unique and stable: it never changes across retries and replays
 * @param deviceId    8 hex digits ("04A228CD")
 * @param portNumber  1-based, null when the event is not about one port
 * @param timestamp   Unix seconds when the gateway observed it
 * @param data        the contract's fields for this type, in real units
 * @param occurredAtMicros when it happened in microseconds since the epoch, strictly increasing on one node:
 *                    events of one frame keep their order in the audit timeline
 * @param frameHex    the device frame that caused the event, null when none did (timeouts, disconnects)
 * @param direction   "in" for a device frame, "out" for a frame the gateway sent, null otherwise
 * @param connectionId the gateway's number for the TCP connection, null when there is none
 * @param node        the gateway node that observed the event
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DeviceEvent(
        @JsonProperty("event_id") String eventId,
        @JsonProperty("event_type") String eventType,
        @JsonProperty("device_id") String deviceId,
        @JsonProperty("port_number") Integer portNumber,
        @JsonProperty("timestamp") long timestamp,
        @JsonProperty("data") Map<String, Object> data,
        @JsonProperty("occurred_at_us") long occurredAtMicros,
        @JsonProperty("frame_hex") String frameHex,
        @JsonProperty("direction") String direction,
        @JsonProperty("connection_id") Long connectionId,
        @JsonProperty("node") String node) {
}
