package ap3000.gateway.event;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ap3000.gateway.redis.RedisConnection;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.XAutoClaimParams;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.resps.StreamEntry;
import redis.clients.jedis.resps.StreamGroupInfo;
import redis.clients.jedis.resps.StreamPendingSummary;

/**
 * Reads one journal stream (a shard, see {@link ShardedJournalReader}) as one consumer group (the audit trail, the
 * webhook outbox): the journal stream is the
 * durable store of what the group has not finished. A batch completes when it holds {@code batchSize} events or when its oldest event
 * has waited {@code flushInterval}. Until a batch is acknowledged its entries stay in the group's pending list,
 * so a gateway killed mid-batch loses nothing: on the next call this consumer re-reads its own pending
 * entries, and entries left idle by a consumer that died (another node, or this node before a restart) are
 * claimed after {@code claimIdle}.
 */
public class JournalReader<T> {

    private static final Logger LOG = LoggerFactory.getLogger(JournalReader.class);
    /** ID 0-0: the start of the stream, or of a consumer's pending list (Jedis's MINIMUM_ID is the range "-"). */
    private static final StreamEntryID START = new StreamEntryID(0, 0);

    /**
     * Acknowledges a batch and answers what to add to the counters for the entries this call acknowledged, in one
     * atomic step, so that an entry counts at most once however often its batch is read, written or claimed. Only
     * entries still pending for this consumer are acknowledged and counted (XPENDING over the batch's ID range):
     * entries another consumer claimed or finished, and a second call after a lost reply, are left out. (This
     * consumer's pending entries are the batch: it reads again only after acknowledging; an entry missed here stays
     * pending and is read again.) The counters are added by the caller: they live in other hash slots than the
     * stream, and a Redis Cluster runs a script on one slot only.
     * KEYS[1] is the stream; ARGV: group, consumer, TTL of the counters (unused here), the number of entries n, then
     * their n IDs in stream order, n counter indexes and n fields to add one to (an empty field: acknowledged, not
     * counted). Answers counter index, field and amount, flat.
     */
    private static final String ACK_AND_COUNT = """
            local n = tonumber(ARGV[4])
            local counts = {}
            local still = {}
            local pending = {}
            for _, entry in ipairs(redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[5], ARGV[4 + n], n, ARGV[2])) do
              still[entry[1]] = true
            end
            for i = 5, 4 + n do
              if still[ARGV[i]] then
                pending[#pending + 1] = ARGV[i]
                local key = tonumber(ARGV[i + n])
                local field = ARGV[i + 2 * n]
                if field ~= '' then
                  counts[key] = counts[key] or {}
                  counts[key][field] = (counts[key][field] or 0) + 1
                end
              end
            end
            for first = 1, #pending, 1000 do
              redis.call('XACK', KEYS[1], ARGV[1], unpack(pending, first, math.min(first + 999, #pending)))
            end
            local added = {}
            for key, fields in pairs(counts) do
              for field, count in pairs(fields) do
                added[#added + 1] = key
                added[#added + 1] = field
                added[#added + 1] = count
              end
            end
            return added
            """;

    /**
     * Counters kept with the acknowledgements: per entry, the hash and the field to add one to (a null field: the
     * entry is not counted).
     *
     * @param ttlSeconds set on a counter hash whenever it grows
     */
    public record AckCounts<T>(Function<T, String> key, Function<T, String> field, long ttlSeconds) {
    }

    private final RedisConnection redis;
    private final String stream;
    private final String group;
    private final String consumer;
    private final Function<Map<String, String>, T> mapper;
    private final int batchSize;
    private final Duration flushInterval;
    private final Duration claimIdle;

    private final LongAdder lostEntries = new LongAdder();
    private AckCounts<T> counts;
    private boolean groupReady;
    private boolean ownPendingMayExist = true;
    /** {@link System#nanoTime()}: elapsed time, unaffected by changes of the wall clock. */
    private long nextClaimAtNanos = System.nanoTime();

    /**
     * @param mapper turns an entry's fields (type, id, device, us, event) into what the group works with
     */
    public JournalReader(RedisConnection redis, String stream, String group, String consumer, int batchSize,
                         Duration flushInterval, Duration claimIdle, Function<Map<String, String>, T> mapper) {
        this.redis = redis;
        this.stream = stream;
        this.group = group;
        this.consumer = consumer;
        this.mapper = mapper;
        this.batchSize = batchSize;
        this.flushInterval = flushInterval;
        this.claimIdle = claimIdle;
    }

    /** The next batch, waiting at most the flush interval when nothing arrives; empty when nothing did. */
    public JournalBatch<T> next() {
        return nextWithin(flushInterval);
    }

    /**
     * The next batch, waiting at most {@code wait} for it to fill; with {@link Duration#ZERO} only what is there
     * already, in one read that does not block (how {@link ShardedJournalReader} goes round its shards).
     */
    public JournalBatch<T> nextWithin(Duration wait) {
        ensureGroup();
        if (ownPendingMayExist) {
            JournalBatch<T> pending = read(START, batchSize, 0);
            if (!pending.isEmpty()) {
                LOG.info("Re-reading {} journal entries this consumer had not finished", pending.size());
                return pending;
            }
            ownPendingMayExist = false;
        }
        if (System.nanoTime() - nextClaimAtNanos >= 0) {
            nextClaimAtNanos = System.nanoTime() + claimIdle.toNanos();
            JournalBatch<T> claimed = claimStale();
            if (!claimed.isEmpty()) {
                return claimed;
            }
        }
        if (wait.isZero()) {
            JournalBatch<T> ready = read(StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY, batchSize, 0);
            ownPendingMayExist |= !ready.isEmpty();
            return ready;
        }
        List<StreamEntryID> ids = new ArrayList<>();
        List<T> entries = new ArrayList<>();
        long deadline = System.nanoTime() + wait.toNanos();
        while (ids.size() < batchSize) {
            long remaining = (deadline - System.nanoTime()) / 1_000_000;
            if (remaining <= 0) {
                break;
            }
            JournalBatch<T> more = read(StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY, batchSize - ids.size(), remaining);
            if (!more.isEmpty() && ids.isEmpty()) {
                // the interval counts from the oldest event of the batch
                deadline = System.nanoTime() + wait.toNanos();
            }
            ids.addAll(more.ids());
            entries.addAll(more.entries());
        }
        if (!ids.isEmpty()) {
            ownPendingMayExist = true;
        }
        return ids.isEmpty() ? JournalBatch.empty() : new JournalBatch<>(ids, entries);
    }

    /** Counts every entry the group finishes, at most once (see {@link #ack}). */
    public JournalReader<T> countOnAck(AckCounts<T> counts) {
        this.counts = counts;
        return this;
    }

    /**
     * The group is done with the batch (stored, or dead-lettered): its journal entries are acknowledged, and with
     * {@link #countOnAck} counted, only those still pending (a batch claimed by another consumer meanwhile, or
     * acknowledged before a lost reply, is not counted again; a failure between the acknowledgement and the counters
     * loses those counts rather than counting twice).
     */
    public void ack(JournalBatch<T> batch) {
        if (!batch.isEmpty()) {
            if (counts != null) {
                ackAndCount(batch);
            } else {
                redis.client().xack(stream, group, batch.ids().toArray(new StreamEntryID[0]));
            }
        }
        ownPendingMayExist = false;
    }

    /**
     * Runs {@link #ACK_AND_COUNT} for a batch (its IDs, each entry's counter hash as an index and field), then adds
     * what it answers to the counter hashes.
     */
    private void ackAndCount(JournalBatch<T> batch) {
        int n = batch.size();
        List<String> keys = new ArrayList<>(List.of(stream));
        Map<String, String> keyIndex = new LinkedHashMap<>();
        String[] args = new String[4 + 3 * n];
        args[0] = group;
        args[1] = consumer;
        args[2] = Long.toString(counts.ttlSeconds());
        args[3] = Integer.toString(n);
        for (int i = 0; i < n; i++) {
            T entry = batch.entries().get(i);
            args[4 + i] = batch.ids().get(i).toString();
            args[4 + n + i] = keyIndex.computeIfAbsent(counts.key().apply(entry), key -> {
                keys.add(key);
                return Integer.toString(keys.size());
            });
            String field = counts.field().apply(entry);
            args[4 + 2 * n + i] = field == null ? "" : field;
        }
        List<?> added = (List<?>) redis.client().eval(ACK_AND_COUNT, List.of(stream), List.of(args));
        if (added.isEmpty()) {
            return;
        }
        try (AbstractPipeline pipeline = redis.pipelined()) {
            for (int i = 0; i < added.size(); i += 3) {
                String key = keys.get(((Long) added.get(i)).intValue() - 1);
                pipeline.hincrBy(key, (String) added.get(i + 1), (Long) added.get(i + 2));
                pipeline.expire(key, counts.ttlSeconds());
            }
            RedisConnection.syncOrThrow(pipeline);
        }
    }

    /**
     * Makes every entry other consumers of the group left pending this consumer's own, to be read before anything
     * new: for a group in which one consumer at a time reads (the webhook fan-out), whose order matters.
     */
    public void takeOver() {
        ensureGroup();
        StreamEntryID from = START;
        do {
            Map.Entry<StreamEntryID, List<StreamEntryID>> claimed = redis.client().xautoclaimJustId(stream, group,
                    consumer, 0, from, XAutoClaimParams.xAutoClaimParams().count(1000));
            from = claimed.getKey();
        } while (!START.equals(from));
        ownPendingMayExist = true;
    }

    /** Entries of the group not yet acknowledged, over all consumers: the group's backlog. */
    public long backlog() {
        ensureGroup();
        return redis.client().xpending(stream, group).getTotal();
    }

    /**
     * How far behind the group is: the age of the oldest entry it has not finished (pending, or else the first one
     * after its last delivered), 0 when it is done with everything. Two small round trips, however long the lag;
     * Redis 6.2 has no count of the entries after a group's position short of reading them.
     */
    public long lagMillis(long nowMillis) {
        ensureGroup();
        StreamPendingSummary pending = redis.client().xpending(stream, group);
        StreamEntryID oldest = pending.getTotal() > 0 ? pending.getMinId() : null;
        if (oldest == null) {
            StreamEntryID delivered = redis.client().xinfoGroups(stream).stream()
                    .filter(info -> group.equals(info.getName())).map(StreamGroupInfo::getLastDeliveredId)
                    .findFirst().orElse(new StreamEntryID());
            List<StreamEntry> next = redis.client().xrange(stream, "(" + delivered, "+", 1);
            oldest = next.isEmpty() ? null : next.get(0).getID();
        }
        return oldest == null ? 0 : Math.max(0, nowMillis - oldest.getTime());
    }

    private JournalBatch<T> read(StreamEntryID from, int count, long blockMillis) {
        XReadGroupParams params = XReadGroupParams.xReadGroupParams().count(count);
        if (blockMillis > 0) {
            params.block((int) blockMillis);
        }
        List<Map.Entry<String, List<StreamEntry>>> reply;
        try {
            reply = redis.client().xreadGroup(group, consumer, params, Map.of(stream, from));
        } catch (JedisException e) {
            // a read Redis served but whose reply was lost (a connection cut, a master killed) made its entries this
            // consumer's pending ones: they are read from there next, not left until another consumer claims them
            ownPendingMayExist = true;
            if (e.getMessage() != null && e.getMessage().startsWith("NOGROUP")) {
                // a master promoted before the group reached it, or a Redis restarted empty: create it again
                groupReady = false;
            }
            throw e;
        }
        if (reply == null || reply.isEmpty()) {
            return JournalBatch.empty();
        }
        return batchOf(reply.get(0).getValue());
    }

    private JournalBatch<T> claimStale() {
        Map.Entry<StreamEntryID, List<StreamEntry>> claimed = redis.client().xautoclaim(stream, group, consumer,
                claimIdle.toMillis(), START, XAutoClaimParams.xAutoClaimParams().count(batchSize));
        if (!claimed.getValue().isEmpty()) {
            // entries trimmed from the journal come back empty here; re-reading our pending list acks them
            ownPendingMayExist = true;
        }
        JournalBatch<T> batch = batchOf(claimed.getValue());
        if (!batch.isEmpty()) {
            LOG.warn("Claimed {} journal entries another {} consumer left unfinished", batch.size(), group);
        }
        return batch;
    }

    private JournalBatch<T> batchOf(List<StreamEntry> entries) {
        List<StreamEntryID> ids = new ArrayList<>(entries.size());
        List<T> read = new ArrayList<>(entries.size());
        List<StreamEntryID> gone = new ArrayList<>();
        for (StreamEntry entry : entries) {
            if (entry == null) {
                continue;
            }
            if (entry.getFields() == null) {
                gone.add(entry.getID());
                continue;
            }
            ids.add(entry.getID());
            read.add(mapper.apply(entry.getFields()));
        }
        if (!gone.isEmpty()) {
            // the journal's length guard (gateway.events.max-length) dropped them before this group read them
            LOG.error("{} journal entries were trimmed before the {} group handled them; raise gateway.events.max-length",
                    gone.size(), group);
            lostEntries.add(gone.size());
            redis.client().xack(stream, group, gone.toArray(new StreamEntryID[0]));
        }
        return ids.isEmpty() ? JournalBatch.empty() : new JournalBatch<>(ids, read);
    }

    /** Entries the journal's length guard dropped before this group could handle them. */
    public long lostEntries() {
        return lostEntries.sum();
    }

    private void ensureGroup() {
        if (groupReady) {
            return;
        }
        try {
            // from the start of the journal: events accepted before the group existed are handled too
            redis.client().xgroupCreate(stream, group, START, true);
        } catch (JedisDataException e) {
            if (!e.getMessage().startsWith("BUSYGROUP")) {
                throw e;
            }
        }
        groupReady = true;
    }
}
