package ap3000.gateway.audit;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.ByteBuf;

import ap3000.gateway.logging.ThrottledWarning;
import ap3000.gateway.protocol.DeviceIds;
import ap3000.gateway.protocol.FrameCounts;
import ap3000.gateway.protocol.FrameTap;
import ap3000.gateway.redis.RedisConnection;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;

/**
 * The raw frame log: every DNY frame of every device, both directions, byte-exact, kept {@code audit.ttl.frames}
 * in one Redis string per device and UTC hour ({@code audit:frames:{device}:{yyyyMMddHH}}) that binary
 * {@link FrameRecord}s are appended to.
 * <p>
 * The codec hands each frame over on Netty's event loop ({@link #frame}): one copy into a bounded in-memory queue,
 * nothing else. A timer route calls {@link #flush} every {@code audit.frames.flush-interval}: one APPEND and one
 * EXPIREAT per key in one pipelined round trip. Frames are best effort: a failed flush keeps its records for the
 * next one, a full buffer drops new frames (counted), and a kill -9 loses at most one flush interval; a flush that
 * failed half way may append some records twice on its retry.
 */
public class FrameLog extends ServiceSupport implements FrameTap {

    private static final Logger LOG = LoggerFactory.getLogger(FrameLog.class);
    private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("yyyyMMddHH").withZone(ZoneOffset.UTC);
    private static final long FAILURE_LOG_INTERVAL_MS = 60_000;
    /** An hour is compacted this long after it ended, when the frames buffered at its end are written. */
    private static final long COMPACT_AFTER_HOUR_MILLIS = 30_000;
    /** The value set again at its exact size, its expiry kept. */
    private static final String COMPACT = "local v = redis.call('GET', KEYS[1]) "
            + "if v then redis.call('SET', KEYS[1], v, 'KEEPTTL') end return 0";

    private final RedisConnection redis;
    private final String prefix;
    private final long ttlSeconds;
    private final int bufferLimit;
    private final Clock clock;
    private final Queue<FrameRecord> queue = new ConcurrentLinkedQueue<>();
    /** Records in {@link #queue} and {@link #retry}: what counts against the buffer limit. */
    private final AtomicInteger buffered = new AtomicInteger();
    private final LongAdder dropped = new LongAdder();
    private final Counter written;
    private final ThrottledWarning failureLog = new ThrottledWarning(FAILURE_LOG_INTERVAL_MS);
    /** The records of a flush that failed, oldest first, written before anything newer; flush thread only. */
    private List<FrameRecord> retry = List.of();
    /** Hour keys this node appended to, by the hour's start: compacted once the hour is over; flush thread only. */
    private final Map<Long, Set<String>> appendedHours = new TreeMap<>();

    public FrameLog(RedisConnection redis, String prefix, Duration ttl, int bufferLimit, Clock clock,
                    MeterRegistry meters) {
        this.redis = redis;
        this.prefix = prefix;
        this.ttlSeconds = ttl.toSeconds();
        this.bufferLimit = bufferLimit;
        this.clock = clock;
        this.written = Counter.builder("gateway.audit.frames.written")
                .description("raw frames written to the frame log").register(meters);
        FunctionCounter.builder("gateway.audit.frames.dropped", dropped, LongAdder::sum)
                .description("raw frames not logged: the buffer was full (Redis down or too slow)").register(meters);
        Gauge.builder("gateway.audit.frames.buffered", buffered, AtomicInteger::get)
                .description("raw frames waiting for the next flush").register(meters);
    }

    /** On the event loop: a copy of the frame into the buffer, or a count when the buffer is full. */
    @Override
    public void frame(int physicalId, FrameCounts.Direction direction, ByteBuf bytes, int index, int length) {
        if (buffered.incrementAndGet() > bufferLimit) {
            buffered.decrementAndGet();
            dropped.increment();
            return;
        }
        byte[] copy = new byte[length];
        bytes.getBytes(index, copy);
        queue.offer(new FrameRecord(physicalId, clock.millis(), direction == FrameCounts.Direction.OUT, copy));
    }

    /** The timer route's step: writes what is buffered in one round trip; on failure keeps it for the next call. */
    public synchronized void flush() {
        List<FrameRecord> batch = new ArrayList<>(retry);
        FrameRecord next;
        while (batch.size() < bufferLimit && (next = queue.poll()) != null) {
            batch.add(next);
        }
        if (batch.isEmpty()) {
            compactFinishedHours();
            return;
        }
        try {
            write(batch);
            compactFinishedHours();
        } catch (RuntimeException e) {
            retry = batch;
            String suffix = failureLog.due();
            if (suffix != null) {
                LOG.warn("Frame log not written, {} frames kept for the next try: {}{}", batch.size(),
                        e.getMessage(), suffix);
            }
            return;
        }
        retry = List.of();
        buffered.addAndGet(-batch.size());
        written.increment(batch.size());
    }

    /** One hour of one device in a batch: its records, and its key, named once. */
    private record HourOfDevice(int physicalId, long hourStart, ByteArrayOutputStream records) {
    }

    private void write(List<FrameRecord> batch) {
        // grouped by device and hour number: the key's text (a date format) is made once per group, not per frame,
        // as this runs beside the device path for every frame (AuditBenchmark part 2)
        Map<Long, HourOfDevice> hours = new LinkedHashMap<>();
        for (FrameRecord r : batch) {
            long hourStart = FrameRecord.hourStart(r.millis());
            long group = ((long) r.physicalId() << 32) | (hourStart / FrameRecord.HOUR_MILLIS);
            HourOfDevice hour = hours.computeIfAbsent(group,
                    k -> new HourOfDevice(r.physicalId(), hourStart, new ByteArrayOutputStream()));
            r.writeTo(hour.records(), hourStart);
        }
        List<String> keys = new ArrayList<>(hours.size());
        try (Pipeline p = redis.client().pipelined()) {
            for (HourOfDevice hour : hours.values()) {
                String key = key(DeviceIds.format(hour.physicalId()), hour.hourStart());
                keys.add(key);
                byte[] k = key.getBytes(StandardCharsets.UTF_8);
                p.append(k, hour.records().toByteArray());
                // kept audit.ttl.frames from the end of the hour: the hour's last frame is kept that long too
                p.expireAt(k, (hour.hourStart() + FrameRecord.HOUR_MILLIS) / 1000 + ttlSeconds);
            }
            RedisConnection.syncOrThrow(p);
        }
        int i = 0;
        for (HourOfDevice hour : hours.values()) {
            appendedHours.computeIfAbsent(hour.hourStart(), h -> new HashSet<>()).add(keys.get(i++));
        }
    }

    /**
     * Rewrites each hour key this node appended to once its hour is over (and the last frames of it flushed): a
     * string that grew by APPEND keeps as much room again as it holds, which nothing else gives back, and would double
     * the frame log's memory (docs/benchmarks.md). A frame that still arrives for a rewritten hour is simply appended.
     */
    private void compactFinishedHours() {
        long finishedBefore = FrameRecord.hourStart(clock.millis() - COMPACT_AFTER_HOUR_MILLIS);
        List<String> keys = new ArrayList<>();
        for (Iterator<Map.Entry<Long, Set<String>>> it = appendedHours.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, Set<String>> hour = it.next();
            if (hour.getKey() >= finishedBefore) {
                break;
            }
            keys.addAll(hour.getValue());
            it.remove();
        }
        if (keys.isEmpty()) {
            return;
        }
        try (Pipeline p = redis.client().pipelined()) {
            keys.forEach(key -> p.eval(COMPACT, 1, key));
            p.sync();
        } catch (RuntimeException e) {
            // only memory is at stake: the hour stays as it is
            LOG.debug("Could not compact {} frame log hours: {}", keys.size(), e.getMessage());
        }
    }

    /**
     * The device's frames between two instants (epoch milliseconds, inclusive), oldest first, at most {@code limit}.
     * Reads the hour keys of the range in one round trip; hours beyond the retention are not asked for.
     */
    public List<FrameRecord> frames(String deviceId, long fromMillis, long toMillis, int limit) {
        long now = clock.millis();
        long from = Math.max(fromMillis, now - (ttlSeconds + 3600) * 1000);
        long to = Math.min(toMillis, now + FrameRecord.HOUR_MILLIS);
        List<Long> hours = new ArrayList<>();
        for (long h = FrameRecord.hourStart(from); h <= to; h += FrameRecord.HOUR_MILLIS) {
            hours.add(h);
        }
        List<Response<byte[]>> values = new ArrayList<>();
        try (Pipeline p = redis.client().pipelined()) {
            for (long h : hours) {
                values.add(p.get(key(deviceId, h).getBytes(StandardCharsets.UTF_8)));
            }
            p.sync();
        }
        int physicalId = DeviceIds.parse(deviceId).orElseThrow();
        List<FrameRecord> out = new ArrayList<>();
        for (int i = 0; i < hours.size() && out.size() < limit; i++) {
            byte[] value = values.get(i).get();
            if (value == null) {
                continue;
            }
            for (FrameRecord r : FrameRecord.parse(physicalId, value, hours.get(i))) {
                if (r.millis() >= fromMillis && r.millis() <= toMillis) {
                    out.add(r);
                    if (out.size() == limit) {
                        break;
                    }
                }
            }
        }
        return out;
    }

    public long ttlSeconds() {
        return ttlSeconds;
    }

    /** Frames waiting in memory for a flush. */
    public int buffered() {
        return buffered.get();
    }

    @Override
    protected void doStart() {
        // nothing to open: Redis is the context's service, started before this one
    }

    /** Stopped after the routes and before Redis: what the last timer tick left is written now. */
    @Override
    protected void doStop() {
        flush();
    }

    private String key(String deviceId, long hourStartMillis) {
        return prefix + "frames:" + deviceId + ":" + HOUR.format(Instant.ofEpochMilli(hourStartMillis));
    }
}
