package ap3000.gateway.audit;

import java.util.Map;
import java.util.Set;

import ap3000.gateway.event.DeviceEvent;
import ap3000.gateway.event.EventJournal;
import ap3000.gateway.event.EventJson;

/**
 * One event as the audit store needs it: the keys it is filed under, and its JSON as the journal holds it.
 * Only events that build a charging session are parsed; heartbeats, the bulk of the traffic, are stored as text.
 *
 * @param event      the parsed event, or null when it builds no session
 * @param summarized an unchanged heartbeat journaled only for the webhooks ({@code summary=1}): the heartbeat
 *                   summaries keep and count it, the audit neither files nor counts it
 */
public record AuditEntry(String eventId, String eventType, String deviceId, long occurredAtMicros, String json,
                         DeviceEvent event, boolean summarized) {

    /** The event types whose data the session records are built from. */
    static final Set<String> SESSION_TYPES = Set.of("charging_start", "charging_failed", "power_heartbeat",
            "charging_end", "settlement");

    public static AuditEntry of(DeviceEvent event) {
        return new AuditEntry(event.eventId(), event.eventType(), event.deviceId(), event.occurredAtMicros(),
                EventJson.write(event), event, false);
    }

    /**
     * From the journal entry's fields; entries written before the gateway stored {@code id}, {@code device} and
     * {@code us} beside the JSON are parsed.
     */
    public static AuditEntry fromJournal(Map<String, String> fields) {
        String json = fields.get("event");
        String type = fields.get("type");
        if (fields.containsKey("id") && fields.containsKey("device") && fields.containsKey("us")) {
            DeviceEvent event = SESSION_TYPES.contains(type) ? EventJson.read(json) : null;
            return new AuditEntry(fields.get("id"), type, fields.get("device"), Long.parseLong(fields.get("us")),
                    json, event, "1".equals(fields.get(EventJournal.SUMMARY_FIELD)));
        }
        DeviceEvent event = EventJson.read(json);
        return new AuditEntry(event.eventId(), event.eventType(), event.deviceId(), event.occurredAtMicros(), json,
                event, false);
    }

    /** The counter field the audit adds one to when it acknowledges the entry; null: not counted (summarized). */
    public String countedType() {
        return summarized ? null : eventType;
    }

    /** The whole event, parsed now if it was not yet (for dead letters). */
    DeviceEvent parsed() {
        return event != null ? event : EventJson.read(json);
    }
}
