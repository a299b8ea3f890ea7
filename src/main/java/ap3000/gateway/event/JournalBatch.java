package ap3000.gateway.event;

import java.util.List;

import redis.clients.jedis.StreamEntryID;

/** Journal entries read by one consumer group, handled together and then acknowledged together. */
public record JournalBatch<T>(List<StreamEntryID> ids, List<T> entries) {

    private static final JournalBatch<?> EMPTY = new JournalBatch<>(List.of(), List.of());

    @SuppressWarnings("unchecked")
    public static <T> JournalBatch<T> empty() {
        return (JournalBatch<T>) EMPTY;
    }

    public boolean isEmpty() {
        return ids.isEmpty();
    }

    public int size() {
        return ids.size();
    }
}
