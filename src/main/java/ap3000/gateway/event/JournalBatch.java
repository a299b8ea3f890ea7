package ap3000.gateway.event;

import java.util.List;

import redis.clients.jedis.StreamEntryID;

/**
 * Journal entries read by one consumer group from one journal shard, handled together and then acknowledged
 * together (in that shard).
 */
public record JournalBatch<T>(List<StreamEntryID> ids, List<T> entries, int shard) {

    private static final JournalBatch<?> EMPTY = new JournalBatch<>(List.of(), List.of());

    /** A batch of shard 0: the whole journal when it has one shard. */
    public JournalBatch(List<StreamEntryID> ids, List<T> entries) {
        this(ids, entries, 0);
    }

    @SuppressWarnings("unchecked")
    public static <T> JournalBatch<T> empty() {
        return (JournalBatch<T>) EMPTY;
    }

    /** The same entries, read from that shard. */
    public JournalBatch<T> inShard(int readFrom) {
        return isEmpty() || readFrom == shard ? this : new JournalBatch<>(ids, entries, readFrom);
    }

    public boolean isEmpty() {
        return ids.isEmpty();
    }

    public int size() {
        return ids.size();
    }
}
