package ap3000.gateway.event;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.IntPredicate;

import ap3000.gateway.redis.RedisConnection;

/**
 * Reads every shard of the journal as one consumer group: one {@link JournalReader} per shard, taken in turn by the
 * group's one loop (a route). Each batch comes from one shard and is acknowledged there; a device's events are all
 * in one shard, so they still come in order. With one shard it is exactly that shard's reader.
 * <p>
 * Going round: the shards are first asked, from the one after the last that gave something, for what they hold
 * already, without blocking; only when none holds anything does the read block, on one shard (the next each time),
 * for the flush interval. A busy shard waits for no quiet one; an event in a quiet journal waits at most about a
 * flush interval, as it would for its batch to fill; a quiet journal costs one round per flush interval.
 */
public class ShardedJournalReader<T> {

    private final List<JournalReader<T>> readers = new ArrayList<>();
    private final Duration flushInterval;
    private int turn;

    /** The same parameters as {@link JournalReader}'s, for every shard of the journal. */
    public ShardedJournalReader(RedisConnection redis, JournalShards shards, String group, String consumer,
                                int batchSize, Duration flushInterval, Duration claimIdle,
                                Function<Map<String, String>, T> mapper) {
        for (String stream : shards.streams()) {
            readers.add(new JournalReader<>(redis, stream, group, consumer, batchSize, flushInterval, claimIdle,
                    mapper));
        }
        this.flushInterval = flushInterval;
    }

    public int shards() {
        return readers.size();
    }

    /** The next batch of any shard; empty after about the flush interval when no shard has anything. */
    public JournalBatch<T> next() {
        return nextFrom(shard -> true);
    }

    /**
     * The next batch of the shards this group may read now (the fan-out: those whose lease this node holds). Not an
     * overload of {@link #next()}: the audit route calls that by name, and Camel would pick this one.
     */
    public JournalBatch<T> nextFrom(IntPredicate readable) {
        int n = readers.size();
        if (n == 1) {
            return readable.test(0) ? readers.get(0).next() : JournalBatch.empty();
        }
        int waitOn = -1;
        for (int k = 0; k < n; k++) {
            int shard = (turn + k) % n;
            if (!readable.test(shard)) {
                continue;
            }
            if (waitOn < 0) {
                waitOn = shard;
            }
            JournalBatch<T> ready = readers.get(shard).nextWithin(Duration.ZERO);
            if (!ready.isEmpty()) {
                turn = (shard + 1) % n;
                return ready.inShard(shard);
            }
        }
        if (waitOn < 0) {
            return JournalBatch.empty();
        }
        turn = (waitOn + 1) % n;
        return readers.get(waitOn).nextWithin(flushInterval).inShard(waitOn);
    }

    /** Acknowledges the batch in the shard it came from (see {@link JournalReader#ack}). */
    public void ack(JournalBatch<T> batch) {
        readers.get(batch.shard()).ack(batch);
    }

    /** Counts every entry the group finishes, exactly once, in every shard (see {@link JournalReader#countOnAck}). */
    public ShardedJournalReader<T> countOnAck(JournalReader.AckCounts<T> counts) {
        readers.forEach(reader -> reader.countOnAck(counts));
        return this;
    }

    /** See {@link JournalReader#takeOver}: for one shard, whose lease this node just took. */
    public void takeOver(int shard) {
        readers.get(shard).takeOver();
    }

    /** Entries of the group not yet acknowledged, over every shard. */
    public long backlog() {
        long total = 0;
        for (JournalReader<T> reader : readers) {
            total += reader.backlog();
        }
        return total;
    }

    /** How far behind the group is: the worst shard's lag (see {@link JournalReader#lagMillis}). */
    public long lagMillis(long nowMillis) {
        long worst = 0;
        for (JournalReader<T> reader : readers) {
            worst = Math.max(worst, reader.lagMillis(nowMillis));
        }
        return worst;
    }

    /** Entries the journal's length guard dropped before this group could handle them, over every shard. */
    public long lostEntries() {
        return readers.stream().mapToLong(JournalReader::lostEntries).sum();
    }
}
