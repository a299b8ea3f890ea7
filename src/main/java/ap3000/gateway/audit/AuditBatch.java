package ap3000.gateway.audit;

import java.util.List;

import ap3000.gateway.event.DeviceEvent;
import redis.clients.jedis.StreamEntryID;

/**
 * Journal entries read for the audit trail, written together and then acknowledged together.
 *
 * @param json each event's JSON as the journal holds it, stored as is rather than written again
 */
public record AuditBatch(List<StreamEntryID> ids, List<DeviceEvent> events, List<String> json) {

    public static final AuditBatch EMPTY = new AuditBatch(List.of(), List.of(), List.of());

    public boolean isEmpty() {
        return ids.isEmpty();
    }

    public int size() {
        return ids.size();
    }
}
