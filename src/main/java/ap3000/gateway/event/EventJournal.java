package ap3000.gateway.event;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import org.apache.camel.spi.ExecutorServiceManager;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ap3000.gateway.logging.ThrottledWarning;
import ap3000.gateway.redis.RedisConnection;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.XAddParams;
import redis.clients.jedis.params.XTrimParams;
import redis.clients.jedis.resps.StreamGroupInfo;

/**
 * Where an event is <em>accepted</em>: appended to the Redis Stream of its device's journal shard
 * ({@link JournalShards}; one stream unless {@code gateway.events.shards} says more) that the audit and notification
 * routes read. A few writer threads (each device always on the same one) take batches in the order they came and write
 * whatever has queued up in one pipelined round trip (group commit), so events of one device stay in order
 * whatever their kind, while two round trips can be under way at once. Callers of
 * critical and awaited batches wait for the write (see {@link EventBatch.Acceptance}); a critical batch Redis
 * did not take fails its caller, so the device is not acked. Other events wait in a bounded in-memory backlog
 * while Redis is unreachable and are written, in order, as soon as it answers again.
 */
public class EventJournal extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(EventJournal.class);
    private static final int MAX_GROUP = 512;
    /** Stream field marking an unchanged heartbeat journaled only for the webhooks (value {@code 1}). */
    public static final String SUMMARY_FIELD = "summary";

    /**
     * Appends the first ARGV[3] events always and the rest only if the once-key is new: the check and the
     * appends are one atomic step. Each event is five arguments: type, id, device, microseconds, JSON.
     * Returns 1 when the once-key was new.
     */
    private static final String APPEND_ONCE = """
            local new = redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1])
            local always = tonumber(ARGV[3])
            local n = 0
            for i = 4, #ARGV, 5 do
              if n < always or new then
                redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'type', ARGV[i], 'id', ARGV[i + 1],
                  'device', ARGV[i + 2], 'us', ARGV[i + 3], 'event', ARGV[i + 4])
              end
              n = n + 1
            end
            if new then return 1 end
            return 0
            """;

    /**
     * A batch on its way to Redis; its future says whether its once-key was new. Its stream entries (or script
     * arguments) are serialized by the caller, so that its writer thread only sends them.
     */
    private static final class Append {
        private final EventBatch batch;
        private final List<Map<String, String>> entries;
        private final List<String> onceArguments;
        private final CompletableFuture<Boolean> done = new CompletableFuture<>();
        private Response<Object> onceReply;

        Append(EventBatch batch, List<Map<String, String>> entries, List<String> onceArguments) {
            this.batch = batch;
            this.entries = entries;
            this.onceArguments = onceArguments;
        }
    }

    private final RedisConnection redis;
    private final JournalShards shards;
    private final long maxLength;
    private final long onceTtlSeconds;
    private final int backlogLimit;
    /** One queue per writer thread. */
    private final List<BlockingQueue<Append>> queues = new ArrayList<>();
    private final List<Thread> writers = new ArrayList<>();
    /** Camel's: the writer threads are named, and shown over JMX with the context's other threads. */
    private final ExecutorServiceManager executors;
    /** Writers take turns at the shared backlog: it is written once, in order, before anything newer. */
    private final Object drainLock = new Object();
    private final XAddParams appendParams;

    private final Deque<Buffered> backlog = new ArrayDeque<>();
    private final LongAdder accepted = new LongAdder();
    private final Map<String, LongAdder> acceptedByType = new ConcurrentHashMap<>();
    private final LongAdder duplicates = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder unreplicated = new LongAdder();
    private final ThrottledWarning unreplicatedWarning = new ThrottledWarning(10_000);

    /**
     * @param shards         the streams; each keeps a {hash tag} so that its once-keys share its cluster slot
     * @param maxLength      approximate cap of the stream, a guard against unbounded growth
     * @param onceTtlSeconds how long a once-key (a settled order) is remembered
     * @param backlogLimit   events kept in memory while Redis is down
     * @param queueLimit     batches waiting for the writers (shared out between them); beyond it, callers wait
     *                       (backpressure)
     * @param writerCount    writer threads, each with its own pipeline; a device's events always take the same one
     */
    public EventJournal(ExecutorServiceManager executors, RedisConnection redis, JournalShards shards, long maxLength,
                        long onceTtlSeconds, int backlogLimit, int queueLimit, int writerCount) {
        this.executors = executors;
        this.redis = redis;
        this.shards = shards;
        this.maxLength = maxLength;
        this.onceTtlSeconds = onceTtlSeconds;
        this.backlogLimit = backlogLimit;
        if (writerCount < 1) {
            throw new IllegalArgumentException("gateway.events.writers must be at least 1, not " + writerCount);
        }
        for (int i = 0; i < writerCount; i++) {
            queues.add(new LinkedBlockingQueue<>(Math.max(1, queueLimit / writerCount)));
        }
        this.appendParams = XAddParams.xAddParams().maxLen(maxLength).approximateTrimming();
    }

    /** Batches handed over and not yet written: how far the writers are behind. */
    public int queued() {
        return queues.stream().mapToInt(BlockingQueue::size).sum();
    }

    /**
     * Accepts a batch. Returns false when the batch's once-key was seen before, so that only its leading
     * always-written events were written. Telemetry returns once queued, without waiting for the write.
     *
     * @throws JedisException for a critical batch that Redis did not take
     */
    public boolean accept(EventBatch batch) throws InterruptedException {
        if (batch.isEmpty()) {
            return true;
        }
        List<Append> appends = new ArrayList<>(1);
        if (batch.onceKey() != null) {
            // a settlement (once-key) is one device's, written by one atomic script
            appends.add(enqueue(writerOf(batch.events().get(0)), new Append(batch, null, onceArguments(batch))));
        } else {
            for (Map.Entry<Integer, List<DeviceEvent>> part : byWriter(batch.events()).entrySet()) {
                List<DeviceEvent> events = part.getValue();
                EventBatch partBatch = events == batch.events() ? batch
                        : new EventBatch(events, batch.acceptance(), null, events.size(), batch.summarized());
                appends.add(enqueue(part.getKey(), new Append(partBatch, entries(events, batch.summarized()), null)));
            }
        }
        if (batch.acceptance() == EventBatch.Acceptance.TELEMETRY) {
            return true;
        }
        try {
            boolean onceKeyNew = true;
            for (Append append : appends) {
                onceKeyNew &= append.done.get();
            }
            return onceKeyNew;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof JedisException jedis) {
                throw jedis;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** A full queue holds the caller back (and so the device's reply): overload slows devices, loses nothing. */
    private Append enqueue(int writer, Append append) throws InterruptedException {
        queues.get(writer).put(append);
        return append;
    }

    /** Every event of one device goes through the same writer, so that its events stay in order. */
    private int writerOf(DeviceEvent event) {
        return Math.floorMod(event.deviceId().hashCode(), queues.size());
    }

    /**
     * A batch's events by writer, in their order. Nearly every batch is one device's and stays whole; a connection
     * closing takes several devices offline at once.
     */
    private Map<Integer, List<DeviceEvent>> byWriter(List<DeviceEvent> events) {
        int first = writerOf(events.get(0));
        if (events.stream().allMatch(event -> writerOf(event) == first)) {
            return Map.of(first, events);
        }
        Map<Integer, List<DeviceEvent>> split = new TreeMap<>();
        for (DeviceEvent event : events) {
            split.computeIfAbsent(writerOf(event), writer -> new ArrayList<>()).add(event);
        }
        return split;
    }

    /** The configured stream name: the stream itself with one shard, else what the shards' names derive from. */
    public String streamKey() {
        return shards.name();
    }

    public JournalShards shards() {
        return shards;
    }

    public long acceptedCount() {
        return accepted.sum();
    }

    public long duplicateCount() {
        return duplicates.sum();
    }

    public long droppedCount() {
        return dropped.sum();
    }

    /** Critical batches whose shard's replicas did not all confirm in time (their callers failed). */
    public long unreplicatedCount() {
        return unreplicated.sum();
    }

    public int backlogSize() {
        synchronized (backlog) {
            return backlog.size();
        }
    }

    @Override
    protected void doStart() {
        warnAboutStrayStreams();
        for (int i = 0; i < queues.size(); i++) {
            BlockingQueue<Append> queue = queues.get(i);
            Thread writer = executors.newThread("ap3000-journal-writer-" + i, () -> writeLoop(queue));
            writers.add(writer);
            writer.start();
        }
    }

    /** A changed {@code gateway.events.shards} leaves entries where no reader looks: said loudly, once, at start. */
    private void warnAboutStrayStreams() {
        if (shards.count() == 1 && shards.name().indexOf('{') < 0) {
            return;
        }
        try {
            for (String stray : shards.strayStreams()) {
                long left = redis.client().xlen(stray);
                if (left > 0) {
                    LOG.error("The journal stream {} holds {} entries, but with gateway.events.shards={} no reader"
                            + " reads it: was the shard count changed? Undelivered events there are never audited or"
                            + " sent; set the old count back until they are (docs/journal-shards.md)", stray, left,
                            shards.count());
                }
            }
        } catch (JedisException e) {
            LOG.debug("Could not look for journal streams of another shard count: {}", e.getMessage());
        }
    }

    /** Writes what is queued before returning: nothing a caller handed over is left behind by a clean stop. */
    @Override
    protected void doStop() throws InterruptedException {
        for (Thread writer : writers) {
            writer.interrupt();
        }
        for (Thread writer : writers) {
            writer.join(TimeUnit.SECONDS.toMillis(30));
        }
        writers.clear();
    }

    private void writeLoop(BlockingQueue<Append> queue) {
        List<Append> group = new ArrayList<>();
        while (true) {
            Append first;
            try {
                first = queue.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                flushAndEnd(queue, group);
                return;
            }
            if (first == null) {
                retryBacklog();
            } else {
                group.add(first);
                queue.drainTo(group, MAX_GROUP - 1);
                write(group);
                group.clear();
            }
        }
    }

    private void flushAndEnd(BlockingQueue<Append> queue, List<Append> group) {
        queue.drainTo(group);
        if (!group.isEmpty()) {
            write(group);
        }
        if (backlogSize() > 0) {
            LOG.warn("Stopping with {} events Redis never took (it was unreachable)", backlogSize());
        }
    }

    /**
     * One pipelined round trip for the whole group; on a Redis failure, critical callers fail, others buffer. With
     * {@link RedisConnection.ReplicaAcks} a group holding a critical batch ends with {@code WAIT}: the master's
     * answer alone would be lost with the master in a failover, so critical callers fail (and their devices are not
     * acked) unless enough replicas have everything this connection wrote, earlier copies of a retransmission too.
     */
    private void write(List<Append> group) {
        try {
            drain();
            RedisConnection.ReplicaAcks acks = redis.replicaAcks();
            Map<String, Response<Long>> replicated = new TreeMap<>();
            try (AbstractPipeline pipeline = redis.pipelined()) {
                for (Append append : group) {
                    if (append.onceArguments != null) {
                        // a settlement is one device's: its stream and its once-key are that device's shard's
                        String stream = shards.streamOf(append.batch.events().get(0).deviceId());
                        append.onceReply = pipeline.eval(APPEND_ONCE,
                                List.of(onceKey(stream, append.batch.onceKey()), stream), append.onceArguments);
                    } else {
                        append(pipeline, append.batch.events(), append.entries);
                    }
                }
                if (acks.replicas() > 0) {
                    // one WAIT per shard a critical batch wrote to, the stream as sample key: with a cluster each
                    // goes to that shard's master, on the connection its writes took
                    Set<String> streams = new TreeSet<>();
                    group.stream().filter(append -> append.batch.critical()).flatMap(append -> append.batch.events()
                            .stream()).forEach(event -> streams.add(shards.streamOf(event.deviceId())));
                    for (String stream : streams) {
                        replicated.put(stream, pipeline.waitReplicas(stream, acks.replicas(),
                                acks.timeout().toMillis()));
                    }
                }
                RedisConnection.syncOrThrow(pipeline);
            }
            for (Append append : group) {
                // judged by the replicas of its own shards' masters: a shard whose master lost its replica must not
                // keep the settlements of the other shards in the same group from being acked
                long fewest = !append.batch.critical() ? Long.MAX_VALUE : append.batch.events().stream()
                        .map(event -> replicated.get(shards.streamOf(event.deviceId()))).filter(Objects::nonNull)
                        .mapToLong(Response::get).min().orElse(Long.MAX_VALUE);
                if (fewest < acks.replicas()) {
                    append.done.completeExceptionally(notReplicated(fewest, acks));
                } else {
                    append.done.complete(count(append));
                }
            }
        } catch (JedisException e) {
            for (Append append : group) {
                if (append.batch.critical()) {
                    append.done.completeExceptionally(e);
                } else {
                    buffer(append.batch, e);
                    append.done.complete(true);
                }
            }
        }
    }

    private JedisException notReplicated(long replicas, RedisConnection.ReplicaAcks acks) {
        unreplicated.increment();
        String more = unreplicatedWarning.due();
        if (more != null) {
            LOG.warn("Settlements not acked: {} of {} replicas confirmed them within {} ms (gateway.redis."
                    + "min-replicas-acked); the devices send them again{}", replicas, acks.replicas(),
                    acks.timeout().toMillis(), more);
        }
        return new JedisException("only " + replicas + " of " + acks.replicas() + " replicas confirmed the write");
    }

    private boolean count(Append append) {
        List<DeviceEvent> events = append.batch.events();
        if (append.onceReply == null || Long.valueOf(1).equals(append.onceReply.get())) {
            countAccepted(events);
            return true;
        }
        countAccepted(events.subList(0, append.batch.alwaysCount()));
        duplicates.increment();
        return false;
    }

    private void countAccepted(List<DeviceEvent> events) {
        accepted.add(events.size());
        for (DeviceEvent event : events) {
            acceptedByType.computeIfAbsent(event.eventType(), type -> new LongAdder()).increment();
        }
    }

    /** The event types written to the journal so far. */
    public Set<String> acceptedTypes() {
        return Set.copyOf(acceptedByType.keySet());
    }

    /** Events of this type written to the journal. */
    public long acceptedCount(String type) {
        LongAdder count = acceptedByType.get(type);
        return count == null ? 0 : count.sum();
    }

    /**
     * The journal-trim route's step (every {@code gateway.events.trim-interval}), shard by shard. Drops the entries
     * every reader (consumer group) is done with: older than each group's oldest pending entry,
     * or than its last delivered one when nothing is pending. Until a group exists nothing is dropped, so a reader
     * turned on later still finds everything (up to the {@code maxLength} guard).
     */
    public void trimConsumed() {
        for (String stream : shards.streams()) {
            trimConsumed(stream);
        }
    }

    private void trimConsumed(String streamKey) {
        try {
            List<StreamGroupInfo> groups = redis.client().xinfoGroups(streamKey);
            if (groups.isEmpty()) {
                return;
            }
            StreamEntryID keepFrom = null;
            for (StreamGroupInfo group : groups) {
                // the group's pending entries may all be acked between XINFO and XPENDING: then there is no minimum
                StreamEntryID oldestPending = group.getPending() > 0
                        ? redis.client().xpending(streamKey, group.getName()).getMinId() : null;
                StreamEntryID needed = oldestPending != null ? oldestPending : next(group.getLastDeliveredId());
                if (keepFrom == null || needed.compareTo(keepFrom) < 0) {
                    keepFrom = needed;
                }
            }
            redis.client().xtrim(streamKey, XTrimParams.xTrimParams().minId(keepFrom.toString()).exactTrimming());
        } catch (JedisException e) {
            LOG.debug("Journal {} not trimmed this time: {}", streamKey, e.getMessage());
        }
    }

    private static StreamEntryID next(StreamEntryID id) {
        return new StreamEntryID(id.getTime(), id.getSequence() + 1);
    }

    /** While idle: a Redis that is still down is not news, the backlog simply waits. */
    private void retryBacklog() {
        try {
            drain();
        } catch (JedisException e) {
            LOG.debug("Redis still unreachable; {} events wait in memory", backlogSize());
        }
    }

    /** Writes what waited in memory while Redis was unreachable, in order, before anything newer. */
    private void drain() {
        synchronized (drainLock) {
            drainBacklog();
        }
    }

    private void drainBacklog() {
        List<Buffered> pending;
        synchronized (backlog) {
            if (backlog.isEmpty()) {
                return;
            }
            pending = new ArrayList<>(backlog);
        }
        try (AbstractPipeline pipeline = redis.pipelined()) {
            for (Buffered buffered : pending) {
                pipeline.xadd(shards.streamOf(buffered.event().deviceId()), appendParams,
                        entry(buffered.event(), buffered.summarized()));
            }
            RedisConnection.syncOrThrow(pipeline);
        }
        countAccepted(pending.stream().map(Buffered::event).toList());
        synchronized (backlog) {
            // only the writer holding drainLock takes from the backlog; it grew at its end or lost its oldest meanwhile
            for (Buffered written : pending) {
                if (backlog.peekFirst() == written) {
                    backlog.pollFirst();
                }
            }
        }
        LOG.info("Wrote {} events that waited in memory while Redis was unreachable", pending.size());
    }

    /** Each event into its device's shard; entries are the events' serialized forms, in the same order. */
    private void append(AbstractPipeline pipeline, List<DeviceEvent> events, List<Map<String, String>> entries) {
        for (int i = 0; i < entries.size(); i++) {
            pipeline.xadd(shards.streamOf(events.get(i).deviceId()), appendParams, entries.get(i));
        }
    }

    private static List<Map<String, String>> entries(List<DeviceEvent> events, boolean summarized) {
        List<Map<String, String>> entries = new ArrayList<>(events.size());
        for (DeviceEvent event : events) {
            entries.add(entry(event, summarized));
        }
        return entries;
    }

    private List<String> onceArguments(EventBatch batch) {
        List<String> args = new ArrayList<>(3 + 5 * batch.events().size());
        args.add(Long.toString(onceTtlSeconds));
        args.add(Long.toString(maxLength));
        args.add(Integer.toString(batch.alwaysCount()));
        for (DeviceEvent event : batch.events()) {
            args.add(event.eventType());
            args.add(event.eventId());
            args.add(event.deviceId());
            args.add(Long.toString(event.occurredAtMicros()));
            args.add(EventJson.write(event));
        }
        return args;
    }

    /** Once-keys share their stream's hash tag, so that the script's two keys live in one cluster slot. */
    private static String onceKey(String streamKey, String key) {
        return streamKey + ":once:" + key;
    }

    private void buffer(EventBatch batch, JedisException cause) {
        int lost = 0;
        boolean first;
        synchronized (backlog) {
            first = backlog.isEmpty();
            for (DeviceEvent event : batch.events()) {
                if (backlog.size() >= backlogLimit) {
                    backlog.pollFirst();
                    lost++;
                }
                backlog.addLast(new Buffered(event, batch.summarized()));
            }
        }
        if (first) {
            LOG.warn("Redis unreachable ({}): events wait in memory (at most {}) until it answers again",
                    cause.getMessage(), backlogLimit);
        }
        if (lost > 0) {
            if (dropped.sum() == 0 || first) {
                LOG.error("The in-memory backlog is full ({} events): the oldest are being dropped", backlogLimit);
            }
            dropped.add(lost);
        }
    }

    /**
     * The JSON, and beside it what readers file the event under, so that they need not parse it; {@code summary=1}
     * on an unchanged heartbeat the audit keeps as a summary instead (see {@link EventBatch#summarized()}).
     */
    private static Map<String, String> entry(DeviceEvent event, boolean summarized) {
        Map<String, String> base = Map.of("type", event.eventType(), "id", event.eventId(), "device",
                event.deviceId(), "us", Long.toString(event.occurredAtMicros()), "event", EventJson.write(event));
        if (!summarized) {
            return base;
        }
        Map<String, String> entry = new HashMap<>(base);
        entry.put(SUMMARY_FIELD, "1");
        return entry;
    }

    /** An event waiting in memory for Redis, with how its batch is journaled. */
    private record Buffered(DeviceEvent event, boolean summarized) {
    }
}
