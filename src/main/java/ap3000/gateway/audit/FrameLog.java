package ap3000.gateway.audit;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
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
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;

/**
 * The raw frame log: every DNY frame of every device, both directions, byte-exact, kept {@code audit.ttl.frames}
 * in one Redis string per device and UTC hour ({@code audit:frames:{device}:{yyyyMMddHH}}) that binary
 * {@link FrameRecord}s are appended to.
 * <p>
 * The codec hands each frame over on Netty's event loop ({@link #frame}): it is copied into that I/O thread's own
 * {@link Chunk}, a growing byte array, and nothing else: no object per frame, no lock another thread contends for.
 * A timer route calls {@link #flush} every {@code audit.frames.flush-interval}: it swaps each thread's chunk for an
 * empty one, sorts the records by device and hour into arrays of their exact size, and sends one APPEND per key in
 * one pipelined round trip (the key's EXPIREAT only with the first append of this node to it). Frames are best
 * effort: a failed flush keeps its records for the next one, a full chunk drops new frames (counted), and a kill -9
 * loses at most one flush interval; a flush that failed half way may append some records twice on its retry.
 */
public class FrameLog extends ServiceSupport implements FrameTap {

    private static final Logger LOG = LoggerFactory.getLogger(FrameLog.class);
    private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("yyyyMMddHH").withZone(ZoneOffset.UTC);
    private static final long FAILURE_LOG_INTERVAL_MS = 60_000;
    /** An hour is compacted this long after it ended, when the frames buffered at its end are written. */
    private static final long COMPACT_AFTER_HOUR_MILLIS = 30_000;
    /**
     * The value set again at its exact size, and its expiry with it: a key that lost its TTL (a Redis restarted
     * without persistence while this node appended to it) gets one here at the latest.
     */
    private static final String COMPACT = "local v = redis.call('GET', KEYS[1]) "
            + "if v then redis.call('SET', KEYS[1], v, 'EXAT', ARGV[1]) end return 0";

    /**
     * One I/O thread's frames since the last flush, as records of epoch milliseconds (u64), direction (u8), length
     * (u16) and the frame, and beside them an index of each record's device-hour and position:
     * the flush groups the records by reading the index, not by striding through the bytes. Its thread appends; the
     * flush takes the bytes under the same (uncontended but for that moment) lock.
     */
    private static final class Chunk {
        private static final int RECORD_HEADER = 11;
        private byte[] bytes = new byte[4096];
        private int size;
        private int frames;
        /** Per record: physical ID (high 32 bits) and hour number since the epoch (low), and where it starts. */
        private long[] groups = new long[64];
        private int[] positions = new int[64];

        synchronized boolean add(int physicalId, long millis, boolean out, ByteBuf frame, int index, int length,
                                 int limit) {
            if (frames >= limit) {
                return false;
            }
            int needed = size + RECORD_HEADER + length;
            if (needed > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(needed, bytes.length * 2));
            }
            if (frames == groups.length) {
                groups = Arrays.copyOf(groups, frames * 2);
                positions = Arrays.copyOf(positions, frames * 2);
            }
            groups[frames] = group(physicalId, millis);
            positions[frames] = size;
            putInt((int) (millis >>> 32));
            putInt((int) millis);
            bytes[size++] = (byte) (out ? 1 : 0);
            bytes[size++] = (byte) (length >>> 8);
            bytes[size++] = (byte) length;
            frame.getBytes(index, bytes, size, length);
            size += length;
            frames++;
            return true;
        }

        /** What the thread wrote since the last call, and an empty chunk of the same capacity in its place. */
        synchronized Taken take() {
            Taken taken = new Taken(bytes, size, frames, groups, positions);
            if (frames > 0) {
                bytes = new byte[bytes.length];
                groups = new long[groups.length];
                positions = new int[positions.length];
                size = 0;
                frames = 0;
            }
            return taken;
        }

        synchronized int frames() {
            return frames;
        }

        private void putInt(int value) {
            bytes[size++] = (byte) (value >>> 24);
            bytes[size++] = (byte) (value >>> 16);
            bytes[size++] = (byte) (value >>> 8);
            bytes[size++] = (byte) value;
        }
    }

    private record Taken(byte[] bytes, int size, int frames, long[] groups, int[] positions) {

        /** The size of record {@code r} as the frame log stores it ({@link FrameRecord}). */
        int recordSize(int r) {
            int end = r + 1 < frames ? positions[r + 1] : size;
            return end - positions[r] - Chunk.RECORD_HEADER + FrameRecord.HEADER_SIZE;
        }
    }

    private static long group(int physicalId, long millis) {
        return (long) physicalId << 32 | Math.floorDiv(millis, FrameRecord.HOUR_MILLIS);
    }

    private final RedisConnection redis;
    private final String prefix;
    private final long ttlSeconds;
    private final int bufferLimit;
    private final Clock clock;
    private final List<Chunk> chunks = new CopyOnWriteArrayList<>();
    private final ThreadLocal<Chunk> threadChunk = ThreadLocal.withInitial(() -> {
        Chunk chunk = new Chunk();
        chunks.add(chunk);
        return chunk;
    });
    private final LongAdder dropped = new LongAdder();
    private final Counter written;
    private final ThrottledWarning failureLog = new ThrottledWarning(FAILURE_LOG_INTERVAL_MS);
    /** The hours of a flush that failed, written before anything newer; flush thread only. */
    private Map<Long, HourOfDevice> retry = Map.of();
    private volatile int retryFrames;
    /** Hour keys this node appended to, by the hour's start: compacted once the hour is over; flush thread only. */
    private final Map<Long, Set<String>> appendedHours = new TreeMap<>();

    /**
     * @param bufferLimit frames one I/O thread may buffer between two flushes; beyond, its new frames are dropped
     */
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
        Gauge.builder("gateway.audit.frames.buffered", this, FrameLog::buffered)
                .description("raw frames waiting for the next flush").register(meters);
    }

    /** On the event loop: a copy of the frame into this thread's chunk, or a count when the chunk is full. */
    @Override
    public void frame(int physicalId, FrameCounts.Direction direction, ByteBuf bytes, int index, int length) {
        if (!threadChunk.get().add(physicalId, clock.millis(), direction == FrameCounts.Direction.OUT, bytes, index,
                length, bufferLimit)) {
            dropped.increment();
        }
    }

    /**
     * The timer route's step: writes what is buffered in one round trip; on failure keeps it for the next call. While
     * the records of a failed flush are not written, the chunks are left alone: they fill up to their limit and drop
     * what comes beyond it, so memory stays bounded however long Redis is away.
     */
    public synchronized void flush() {
        if (!retry.isEmpty() && !tryWrite(retry, retryFrames)) {
            return;
        }
        List<Taken> taken = new ArrayList<>(chunks.size());
        int frames = 0;
        for (Chunk chunk : chunks) {
            Taken t = chunk.take();
            if (t.frames() > 0) {
                taken.add(t);
                frames += t.frames();
            }
        }
        if (frames == 0 || tryWrite(byHour(taken), frames)) {
            compactFinishedHours();
        }
    }

    private boolean tryWrite(Map<Long, HourOfDevice> hours, int frames) {
        try {
            write(hours);
        } catch (RuntimeException e) {
            retry = hours;
            retryFrames = frames;
            String suffix = failureLog.due();
            if (suffix != null) {
                LOG.warn("Frame log not written, {} frames kept for the next try: {}{}", frames, e.getMessage(),
                        suffix);
            }
            return false;
        }
        retry = Map.of();
        retryFrames = 0;
        written.increment(frames);
        return true;
    }

    /** One hour of one device in a flush: where its records are in the chunks, then the records themselves. */
    private static final class HourOfDevice {
        final int physicalId;
        final long hourStart;
        /** Chunk index (high 32 bits) and position (low) of each of its records, in the order they came. */
        long[] refs = new long[8];
        int count;
        int size;
        byte[] records;

        HourOfDevice(int physicalId, long hourStart) {
            this.physicalId = physicalId;
            this.hourStart = hourStart;
        }

        void add(int chunk, int pos, int recordSize) {
            if (count == refs.length) {
                refs = Arrays.copyOf(refs, count * 2);
            }
            refs[count++] = (long) chunk << 32 | pos;
            size += recordSize;
        }
    }

    /**
     * The records of the chunks grouped by device and hour, each group in an array of its exact size: one pass finds
     * and sizes the groups, then each group's records are copied in order.
     */
    private static Map<Long, HourOfDevice> byHour(List<Taken> taken) {
        Map<Long, HourOfDevice> hours = new LinkedHashMap<>();
        for (int t = 0; t < taken.size(); t++) {
            Taken chunk = taken.get(t);
            long lastGroup = 0;
            HourOfDevice last = null;
            for (int r = 0; r < chunk.frames(); r++) {
                long group = chunk.groups()[r];
                // a reply follows its request on the same I/O thread: most records go where the one before went
                if (last == null || group != lastGroup) {
                    last = hours.computeIfAbsent(group,
                            g -> new HourOfDevice((int) (g >>> 32), (g & 0xFFFFFFFFL) * FrameRecord.HOUR_MILLIS));
                    lastGroup = group;
                }
                last.add(t, chunk.positions()[r], chunk.recordSize(r));
            }
        }
        for (HourOfDevice hour : hours.values()) {
            hour.records = new byte[hour.size];
            int at = 0;
            for (int i = 0; i < hour.count; i++) {
                byte[] b = taken.get((int) (hour.refs[i] >>> 32)).bytes();
                int pos = (int) hour.refs[i];
                at = FrameRecord.write(hour.records, at, readLong(b, pos) - hour.hourStart, b[pos + 8] != 0, b,
                        pos + Chunk.RECORD_HEADER, length(b, pos));
            }
        }
        return hours;
    }

    /** The frame length of the chunk record at {@code pos}. */
    private static int length(byte[] b, int pos) {
        return (b[pos + 9] & 0xFF) << 8 | (b[pos + 10] & 0xFF);
    }

    private void write(Map<Long, HourOfDevice> hours) {
        List<String> keys = new ArrayList<>(hours.size());
        try (AbstractPipeline p = redis.pipelined()) {
            for (HourOfDevice hour : hours.values()) {
                String key = key(DeviceIds.format(hour.physicalId), hour.hourStart);
                keys.add(key);
                byte[] k = key.getBytes(StandardCharsets.UTF_8);
                p.append(k, hour.records);
                if (!appendedHours.getOrDefault(hour.hourStart, Set.of()).contains(key)) {
                    p.expireAt(k, expiry(hour.hourStart));
                }
            }
            RedisConnection.syncOrThrow(p);
        }
        int i = 0;
        for (HourOfDevice hour : hours.values()) {
            appendedHours.computeIfAbsent(hour.hourStart, h -> new HashSet<>()).add(keys.get(i++));
        }
    }

    /** Kept audit.ttl.frames from the end of the hour: the hour's last frame is kept that long too. */
    private long expiry(long hourStart) {
        return (hourStart + FrameRecord.HOUR_MILLIS) / 1000 + ttlSeconds;
    }

    private static int readInt(byte[] b, int pos) {
        return (b[pos] & 0xFF) << 24 | (b[pos + 1] & 0xFF) << 16 | (b[pos + 2] & 0xFF) << 8 | (b[pos + 3] & 0xFF);
    }

    private static long readLong(byte[] b, int pos) {
        return (readInt(b, pos) & 0xFFFFFFFFL) << 32 | (readInt(b, pos + 4) & 0xFFFFFFFFL);
    }

    /**
     * Rewrites each hour key this node appended to once its hour is over (and the last frames of it flushed): a
     * string that grew by APPEND keeps as much room again as it holds, which nothing else gives back, and would double
     * the frame log's memory (docs/benchmarks.md). A frame that still arrives for a rewritten hour is simply appended.
     */
    private void compactFinishedHours() {
        long finishedBefore = FrameRecord.hourStart(clock.millis() - COMPACT_AFTER_HOUR_MILLIS);
        Map<String, Long> keys = new LinkedHashMap<>();
        for (Iterator<Map.Entry<Long, Set<String>>> it = appendedHours.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, Set<String>> hour = it.next();
            if (hour.getKey() >= finishedBefore) {
                break;
            }
            hour.getValue().forEach(key -> keys.put(key, expiry(hour.getKey())));
            it.remove();
        }
        if (keys.isEmpty()) {
            return;
        }
        try (AbstractPipeline p = redis.pipelined()) {
            keys.forEach((key, expiry) -> p.eval(COMPACT, 1, key, Long.toString(expiry)));
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
        try (AbstractPipeline p = redis.pipelined()) {
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
        int frames = retryFrames;
        for (Chunk chunk : chunks) {
            frames += chunk.frames();
        }
        return frames;
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
