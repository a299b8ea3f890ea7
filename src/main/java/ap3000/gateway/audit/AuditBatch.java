package ap3000.gateway.audit;

import java.util.List;

import redis.clients.jedis.StreamEntryID;

/** Journal entries read for the audit trail, written together and then acknowledged together. */
public record AuditBatch(List<StreamEntryID> ids, List<AuditEntry> entries) {

    public static final AuditBatch EMPTY = new AuditBatch(List.of(), List.of());

    public boolean isEmpty() {
        return ids.isEmpty();
    }

    public int size() {
        return ids.size();
    }
}
