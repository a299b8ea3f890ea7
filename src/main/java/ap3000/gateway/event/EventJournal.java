package ap3000.gateway.event;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ap3000.gateway.redis.RedisConnection;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.XAddParams;

/**
 * Where an event is <em>accepted</em>: appended to one Redis Stream that the audit and notification routes
 * read. Critical batches (settlements) are written before the device is acked, or the call fails and the
 * device is not acked. Other events are fire-and-forget for the device: while Redis is unreachable they wait
 * in a bounded in-memory backlog, written in order once Redis answers again.
 */
public class EventJournal {

    private static final Logger LOG = LoggerFactory.getLogger(EventJournal.class);

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

    private final RedisConnection redis;
    private final String streamKey;
    private final long maxLength;
    private final long onceTtlSeconds;
    private final int backlogLimit;

    private final Deque<DeviceEvent> backlog = new ArrayDeque<>();
    private final Object drainLock = new Object();
    private final LongAdder accepted = new LongAdder();
    private final LongAdder duplicates = new LongAdder();
    private final LongAdder dropped = new LongAdder();

    /**
     * @param streamKey      the stream; keep a {hash tag} in it so that once-keys share its cluster slot
     * @param maxLength      approximate cap of the stream, a guard against unbounded growth
     * @param onceTtlSeconds how long a once-key (a settled order) is remembered
     * @param backlogLimit   events kept in memory while Redis is down; the oldest are dropped beyond it
     */
    public EventJournal(RedisConnection redis, String streamKey, long maxLength, long onceTtlSeconds,
                        int backlogLimit) {
        this.redis = redis;
        this.streamKey = streamKey;
        this.maxLength = maxLength;
        this.onceTtlSeconds = onceTtlSeconds;
        this.backlogLimit = backlogLimit;
    }

    /**
     * Accepts a batch. Returns false when the batch's once-key was seen before, so that only its leading
     * always-written events were written.
     *
     * @throws JedisException for a critical batch that Redis did not take
     */
    public boolean accept(EventBatch batch) {
        if (batch.isEmpty()) {
            return true;
        }
        try {
            drain();
            if (batch.onceKey() != null) {
                return appendOnce(batch);
            }
            append(batch.events());
            return true;
        } catch (JedisException e) {
            if (batch.critical()) {
                throw e;
            }
            buffer(batch.events(), e);
            return true;
        }
    }

    /**
     * Writes what waited in memory while Redis was unreachable, in order; the timer calls this, and every write
     * drains first. A Redis that is still down is not news: the backlog simply waits.
     */
    public void retryBacklog() {
        try {
            drain();
        } catch (JedisException e) {
            LOG.debug("Redis still unreachable; {} events wait in memory", backlogSize());
        }
    }

    private void drain() {
        if (backlogSize() == 0) {
            return;
        }
        synchronized (drainLock) {
            List<DeviceEvent> pending;
            synchronized (backlog) {
                pending = new ArrayList<>(backlog);
            }
            if (pending.isEmpty()) {
                return;
            }
            append(pending);
            synchronized (backlog) {
                // while we wrote, the backlog only grew at its end or lost its oldest: what is left of the
                // written events is still its head, in the same order
                for (DeviceEvent written : pending) {
                    if (backlog.peekFirst() == written) {
                        backlog.pollFirst();
                    }
                }
            }
            LOG.info("Wrote {} events that waited in memory while Redis was unreachable", pending.size());
        }
    }

    public String streamKey() {
        return streamKey;
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

    public int backlogSize() {
        synchronized (backlog) {
            return backlog.size();
        }
    }

    private void append(List<DeviceEvent> events) {
        XAddParams params = XAddParams.xAddParams().maxLen(maxLength).approximateTrimming();
        try (Pipeline pipeline = redis.client().pipelined()) {
            for (DeviceEvent event : events) {
                pipeline.xadd(streamKey, params, entry(event));
            }
            RedisConnection.syncOrThrow(pipeline);
        }
        accepted.add(events.size());
    }

    private boolean appendOnce(EventBatch batch) {
        List<String> args = new ArrayList<>(2 + 2 * batch.events().size());
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
        Object written = redis.client().eval(APPEND_ONCE, List.of(onceKey(batch.onceKey()), streamKey), args);
        if (Long.valueOf(1).equals(written)) {
            accepted.add(batch.events().size());
            return true;
        }
        accepted.add(batch.alwaysCount());
        duplicates.increment();
        return false;
    }

    /** Once-keys share the stream's hash tag, so that the script's two keys live in one cluster slot. */
    private String onceKey(String key) {
        return streamKey + ":once:" + key;
    }

    private void buffer(List<DeviceEvent> events, JedisException cause) {
        int lost = 0;
        boolean first;
        synchronized (backlog) {
            first = backlog.isEmpty();
            for (DeviceEvent event : events) {
                if (backlog.size() >= backlogLimit) {
                    backlog.pollFirst();
                    lost++;
                }
                backlog.addLast(event);
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

    /** The JSON, and beside it what readers file the event under, so that they need not parse it. */
    private static Map<String, String> entry(DeviceEvent event) {
        return Map.of("type", event.eventType(), "id", event.eventId(), "device", event.deviceId(),
                "us", Long.toString(event.occurredAtMicros()), "event", EventJson.write(event));
    }
}
