package ap3000.gateway.audit;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.camel.support.service.ServiceSupport;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ap3000.gateway.protocol.DeviceIds;
import ap3000.gateway.protocol.Payload;
import ap3000.gateway.redis.RedisConnection;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Every heartbeat (0x01, 0x21, 0x11) as an hourly summary per device, instead of one audit record each: count, first
 * and last time, the longest gap between two heartbeats and when it started, min / max of voltage, signal strength
 * and temperature. The device path only updates an accumulator in memory; {@link #flush()} (the
 * {@code audit-heartbeats} route) merges all of them into Redis in one pipelined round trip:
 * {@code heartbeats:{device}:{yyyyMMdd}} is a hash with one field per UTC hour ("00".."23"), each value
 * {@code count,first,last,gap,gap_start,vmin,vmax,smin,smax,tmin,tmax}: times in ms since the start of that hour
 * (the gap may start in an earlier hour: negative), the gap in ms, voltage in tenths of a volt, signal as the
 * device reports it, temperature in degrees Celsius, an empty item where nothing was measured. Kept short so that
 * the hash stays a compact listpack in Redis. Heartbeats that changed nothing are counted in
 * {@code counts:{yyyyMMdd}} here; the others are counted by the audit reader with their events.
 */
public class HeartbeatSummaries extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(HeartbeatSummaries.class);
    private static final DateTimeFormatter DAY = DateTimeFormatter.BASIC_ISO_DATE;
    private static final long HOUR_MILLIS = 3_600_000L;
    /** A device silent this long is forgotten here; a longer gap shows as hours without a record. */
    private static final long FORGET_AFTER_MILLIS = 24 * HOUR_MILLIS;
    private static final int NONE = Integer.MIN_VALUE;

    /**
     * Merges a device-day's hours into its hash. KEYS: the summary hash (one key: the day's counts and the device's
     * seen key are in other hash slots, and a Redis Cluster runs a script on one slot only). ARGV: TTL seconds, then
     * pairs of hour field and record. Counts add up, min / max merge, the longest gap also considers the gap between
     * the stored hour's last heartbeat and the batch's first.
     */
    static final String MERGE = """
            local function split(v)
              local t = {}
              for part in string.gmatch(v .. ',', '([^,]*),') do t[#t + 1] = part end
              return t
            end
            local function pick(a, b, smaller)
              if a == '' then return b end
              if b == '' then return a end
              local x, y = tonumber(a), tonumber(b)
              if (x < y) == smaller then return a end
              return b
            end
            local function merge(s, b)
              local gap, gapStart = s[4], s[5]
              local function consider(g, start)
                if g ~= '' and (gap == '' or tonumber(g) > tonumber(gap)) then gap, gapStart = g, start end
              end
              consider(b[4], b[5])
              if tonumber(b[2]) > tonumber(s[3]) then consider(tostring(tonumber(b[2]) - tonumber(s[3])), s[3]) end
              if tonumber(s[2]) > tonumber(b[3]) then consider(tostring(tonumber(s[2]) - tonumber(b[3])), b[3]) end
              return table.concat({tostring(tonumber(s[1]) + tonumber(b[1])), pick(s[2], b[2], true),
                pick(s[3], b[3], false), gap, gapStart, pick(s[6], b[6], true), pick(s[7], b[7], false),
                pick(s[8], b[8], true), pick(s[9], b[9], false), pick(s[10], b[10], true), pick(s[11], b[11], false)},
                ',')
            end
            for i = 2, #ARGV, 2 do
              local stored = redis.call('HGET', KEYS[1], ARGV[i])
              local value = ARGV[i + 1]
              if stored then value = merge(split(stored), split(value)) end
              redis.call('HSET', KEYS[1], ARGV[i], value)
            end
            redis.call('EXPIRE', KEYS[1], ARGV[1])
            return 0
            """;

    /** One device's hour in memory. */
    private static final class Hour {
        int count;
        int unchangedDevice;
        int unchangedHost;
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        long gap = -1;
        long gapStart;
        int vmin = NONE, vmax = NONE, smin = NONE, smax = NONE, tmin = NONE, tmax = NONE;

        void add(long millis, long previous, int decivolts, int signal, int temperature) {
            count++;
            first = Math.min(first, millis);
            last = Math.max(last, millis);
            if (previous >= 0 && millis >= previous && millis - previous > gap) {
                gap = millis - previous;
                gapStart = previous;
            }
            vmin = min(vmin, decivolts);
            vmax = max(vmax, decivolts);
            smin = min(smin, signal);
            smax = max(smax, signal);
            tmin = min(tmin, temperature);
            tmax = max(tmax, temperature);
        }

        /** Takes in an older hour that could not be written (a failed flush). */
        void absorb(Hour older) {
            count += older.count;
            unchangedDevice += older.unchangedDevice;
            unchangedHost += older.unchangedHost;
            if (older.gap > gap) {
                gap = older.gap;
                gapStart = older.gapStart;
            }
            first = Math.min(first, older.first);
            last = Math.max(last, older.last);
            vmin = min(vmin, older.vmin);
            vmax = max(vmax, older.vmax);
            smin = min(smin, older.smin);
            smax = max(smax, older.smax);
            tmin = min(tmin, older.tmin);
            tmax = max(tmax, older.tmax);
        }

        String record(long hourStart) {
            return count + "," + (first - hourStart) + "," + (last - hourStart) + ","
                    + (gap < 0 ? "," : gap + "," + (gapStart - hourStart)) + ","
                    + item(vmin) + "," + item(vmax) + "," + item(smin) + "," + item(smax) + ","
                    + item(tmin) + "," + item(tmax);
        }

        private static int min(int a, int b) {
            return a == NONE ? b : b == NONE ? a : Math.min(a, b);
        }

        private static int max(int a, int b) {
            return a == NONE ? b : b == NONE ? a : Math.max(a, b);
        }

        private static String item(int value) {
            return value == NONE ? "" : Integer.toString(value);
        }
    }

    /**
     * A device's last heartbeat (kept across flushes and hours, for the gaps) and its hours not yet written; read and
     * changed under its own lock.
     */
    private static final class Device {
        long lastMillis = -1;
        /** Taken out of the map as silent: a heartbeat that found it before that looks again. */
        boolean forgotten;
        final TreeMap<Long, Hour> pending = new TreeMap<>();
        /** The pending hour the last heartbeat went to: nearly every heartbeat goes there too, without a lookup. */
        Hour current;
        long currentStart = Long.MIN_VALUE;

        void clearPending() {
            pending.clear();
            current = null;
            currentStart = Long.MIN_VALUE;
        }
    }

    /** The hours of one device-day taken for a flush, with the reply to its script call. */
    private record DayWrite(int physicalId, String deviceId, String day, Map<Long, Hour> hours,
                            Response<Object> reply) {
    }

    private final RedisConnection redis;
    private final String prefix;
    private final long ttlSeconds;
    private final boolean enabled;
    private final int maxDevices;
    private final int maxPendingHours;
    private final Clock clock;
    /** By physical ID: the key costs no string per heartbeat; the flush formats the device ID once per device. */
    private final ConcurrentHashMap<Integer, Device> devices = new ConcurrentHashMap<>();
    private final AtomicInteger pendingHours = new AtomicInteger();
    private final Counter summarized;
    private final Counter dropped;
    private volatile String mergeSha;

    /**
     * @param enabled         false (audit off): heartbeats are not recorded at all
     * @param maxDevices      devices tracked at most; heartbeats of more are dropped (and counted)
     * @param maxPendingHours device-hours waiting for Redis at most (it may be down); beyond, dropped (and counted)
     */
    public HeartbeatSummaries(RedisConnection redis, String prefix, long ttlSeconds, boolean enabled, int maxDevices,
                              int maxPendingHours, Clock clock, MeterRegistry meters) {
        this.redis = redis;
        this.prefix = prefix;
        this.ttlSeconds = ttlSeconds;
        this.enabled = enabled;
        this.maxDevices = maxDevices;
        this.maxPendingHours = maxPendingHours;
        this.clock = clock;
        this.summarized = Counter.builder("gateway.audit.heartbeats.summarized")
                .description("heartbeats written to the hourly heartbeat summaries").register(meters);
        this.dropped = Counter.builder("gateway.audit.heartbeats.dropped")
                .description("heartbeats left out of the summaries: too many devices or hours waiting for Redis")
                .register(meters);
        Gauge.builder("gateway.audit.heartbeats.pending", pendingHours, AtomicInteger::get)
                .description("device-hours of heartbeat summaries waiting in memory for the next flush")
                .register(meters);
    }

    /**
     * Records a heartbeat (0x01, 0x21 or 0x11) in memory: cheap, no Redis, no JSON.
     *
     * @param unchanged it produced no other event: counted here, not by the audit reader
     */
    public void record(int physicalId, long millis, Payload heartbeat, boolean unchanged) {
        if (!enabled) {
            return;
        }
        int decivolts = NONE;
        int signal = NONE;
        int temperature = NONE;
        boolean host = false;
        if (heartbeat instanceof Payload.Heartbeat hb) {
            decivolts = decivolts(hb.voltageVolts());
            signal = orNone(hb.signalStrength());
            temperature = orNone(hb.temperatureCelsius());
        } else if (heartbeat instanceof Payload.OldHeartbeat hb) {
            decivolts = decivolts(hb.voltageVolts());
            signal = orNone(hb.signalStrength());
            temperature = orNone(hb.temperatureCelsius());
        } else if (heartbeat instanceof Payload.HostHeartbeat hb) {
            signal = orNone(hb.signalStrength());
            host = true;
        }
        long hourStart = millis - Math.floorMod(millis, HOUR_MILLIS);
        // the device's own lock, not the map's: one heartbeat per device at a time, and no lambda per heartbeat
        while (true) {
            Device device = devices.get(physicalId);
            if (device == null) {
                if (devices.size() >= maxDevices) {
                    dropped.increment();
                    return;
                }
                device = devices.computeIfAbsent(physicalId, id -> new Device());
            }
            synchronized (device) {
                if (device.forgotten) {
                    continue; // removed as silent between the lookup and the lock: look it up again
                }
                Hour hour = device.currentStart == hourStart ? device.current : device.pending.get(hourStart);
                if (hour == null) {
                    if (pendingHours.get() >= maxPendingHours) {
                        dropped.increment();
                        return;
                    }
                    hour = new Hour();
                    device.pending.put(hourStart, hour);
                    pendingHours.incrementAndGet();
                }
                device.current = hour;
                device.currentStart = hourStart;
                hour.add(millis, device.lastMillis, decivolts, signal, temperature);
                if (unchanged) {
                    if (host) {
                        hour.unchangedHost++;
                    } else {
                        hour.unchangedDevice++;
                    }
                }
                device.lastMillis = Math.max(device.lastMillis, millis);
                return;
            }
        }
    }

    /**
     * Writes every hour accumulated so far in one pipelined round trip, one script call per device-day. Hours whose
     * write failed go back into memory, merged with what arrived meanwhile, for the next flush. The day's counts and
     * the devices' seen keys follow in a second round trip for the written hours only, so that a retried hour is
     * never counted twice (a failure there loses those counts instead).
     */
    public void flush() {
        List<DayWrite> writes = new ArrayList<>();
        Map<Integer, Map<Long, Hour>> taken = take();
        if (taken.isEmpty()) {
            return;
        }
        try {
            String sha = mergeSha();
            try (AbstractPipeline p = redis.pipelined()) {
                taken.forEach((physicalId, hours) -> {
                    String deviceId = DeviceIds.format(physicalId);
                    byDay(hours).forEach((day, dayHours) -> writes.add(new DayWrite(physicalId, deviceId, day,
                            dayHours, p.evalsha(sha, List.of(key("heartbeats:" + deviceId + ":" + day)),
                                    arguments(dayHours)))));
                });
                p.sync();
            }
        } catch (JedisException e) {
            LOG.warn("Heartbeat summaries not written ({}); kept for the next flush", e.getMessage());
            taken.forEach(this::restore);
            return;
        }
        long written = 0;
        List<DayWrite> merged = new ArrayList<>();
        for (DayWrite write : writes) {
            try {
                write.reply().get();
                merged.add(write);
                written += write.hours().values().stream().mapToLong(h -> h.count).sum();
            } catch (JedisException e) {
                if (e.getMessage() != null && e.getMessage().startsWith("NOSCRIPT")) {
                    mergeSha = null;
                }
                LOG.warn("Heartbeat summary of {} not written ({}); kept for the next flush",
                        DeviceIds.format(write.physicalId()), e.getMessage());
                restore(write.physicalId(), write.hours());
            }
        }
        countAndSee(merged);
        summarized.increment(written);
        forgetSilentDevices(clock.millis());
    }

    /** Device-hours in memory waiting for the next flush. */
    public int pendingHours() {
        return pendingHours.get();
    }

    /** What accumulated since the last flush is written on the way out (the context stops this before Redis). */
    @Override
    protected void doStop() {
        if (enabled) {
            flush();
        }
    }

    /** Takes every device's pending hours out of memory. */
    private Map<Integer, Map<Long, Hour>> take() {
        Map<Integer, Map<Long, Hour>> taken = new LinkedHashMap<>();
        devices.forEach((physicalId, device) -> {
            synchronized (device) {
                if (!device.pending.isEmpty()) {
                    taken.put(physicalId, new TreeMap<>(device.pending));
                    pendingHours.addAndGet(-device.pending.size());
                    device.clearPending();
                }
            }
        });
        return taken;
    }

    /** Puts hours that were not written back, merged with those recorded since. */
    private void restore(int physicalId, Map<Long, Hour> hours) {
        while (true) {
            Device d = devices.computeIfAbsent(physicalId, id -> new Device());
            synchronized (d) {
                if (d.forgotten) {
                    continue;
                }
                hours.forEach((hourStart, older) -> {
                    Hour newer = d.pending.get(hourStart);
                    if (newer == null) {
                        d.pending.put(hourStart, older);
                        pendingHours.incrementAndGet();
                    } else {
                        newer.absorb(older);
                    }
                    d.lastMillis = Math.max(d.lastMillis, older.last);
                });
                return;
            }
        }
    }

    private void forgetSilentDevices(long nowMillis) {
        devices.forEach((physicalId, device) -> {
            synchronized (device) {
                if (device.pending.isEmpty() && nowMillis - device.lastMillis > FORGET_AFTER_MILLIS) {
                    device.forgotten = true;
                    devices.remove(physicalId, device);
                }
            }
        });
    }

    private String mergeSha() {
        String sha = mergeSha;
        if (sha == null) {
            sha = redis.loadScript(MERGE);
            mergeSha = sha;
        }
        return sha;
    }

    private List<String> arguments(Map<Long, Hour> hours) {
        List<String> args = new ArrayList<>(1 + 2 * hours.size());
        args.add(Long.toString(ttlSeconds));
        hours.forEach((hourStart, hour) -> {
            args.add(hourField(hourStart));
            args.add(hour.record(hourStart));
        });
        return args;
    }

    /**
     * Adds the merged hours' unchanged 0x01/0x21 heartbeats to the day's device_heartbeat count and 0x11 to
     * host_heartbeat, and marks the devices seen at their last heartbeat.
     */
    private void countAndSee(List<DayWrite> merged) {
        if (merged.isEmpty()) {
            return;
        }
        // one increment per day and kind, however many devices: the counts hash is one key every node shares
        Map<String, int[]> perDay = new TreeMap<>();
        try (AbstractPipeline p = redis.pipelined()) {
            for (DayWrite write : merged) {
                int[] counts = perDay.computeIfAbsent(write.day(), d -> new int[2]);
                long last = 0;
                for (Hour hour : write.hours().values()) {
                    counts[0] += hour.unchangedDevice;
                    counts[1] += hour.unchangedHost;
                    last = Math.max(last, hour.last);
                }
                p.setex(key("device:" + write.deviceId() + ":seen"), ttlSeconds, Long.toString(last));
            }
            perDay.forEach((day, counts) -> {
                String key = key("counts:" + day);
                if (counts[0] > 0) {
                    p.hincrBy(key, "device_heartbeat", counts[0]);
                }
                if (counts[1] > 0) {
                    p.hincrBy(key, "host_heartbeat", counts[1]);
                }
                p.expire(key, ttlSeconds);
            });
            RedisConnection.syncOrThrow(p);
        } catch (JedisException e) {
            LOG.warn("Heartbeat counts of {} device-days not written ({})", merged.size(), e.getMessage());
        }
    }

    private static Map<String, Map<Long, Hour>> byDay(Map<Long, Hour> hours) {
        Map<String, Map<Long, Hour>> days = new TreeMap<>();
        hours.forEach((hourStart, hour) -> days.computeIfAbsent(day(hourStart), d -> new TreeMap<>())
                .put(hourStart, hour));
        return days;
    }

    // ---- queries ----------------------------------------------------------------------------------------

    /**
     * The device's hours that overlap {@code fromMillis..toMillis} (inclusive), oldest first, as the API shows them:
     * times in Unix seconds, the gap in seconds, voltage in volts. Hours still in memory (not yet flushed) are not
     * included.
     */
    public List<Map<String, Object>> hours(String deviceId, long fromMillis, long toMillis) {
        List<Map<String, Object>> out = new ArrayList<>();
        long now = clock.millis();
        long from = Math.max(fromMillis, now - (ttlSeconds + 86_400) * 1000);
        long to = Math.min(toMillis, now + 86_400_000L);
        if (from > to) {
            return out;
        }
        List<LocalDate> days = new ArrayList<>();
        List<Response<Map<String, String>>> replies = new ArrayList<>();
        try (AbstractPipeline p = redis.pipelined()) {
            for (LocalDate d = date(from); !d.isAfter(date(to)); d = d.plusDays(1)) {
                days.add(d);
                replies.add(p.hgetAll(key("heartbeats:" + deviceId + ":" + d.format(DAY))));
            }
            p.sync();
        }
        for (int i = 0; i < days.size(); i++) {
            long dayStart = days.get(i).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
            for (Map.Entry<String, String> field : new TreeMap<>(replies.get(i).get()).entrySet()) {
                long hourStart = dayStart + Integer.parseInt(field.getKey()) * HOUR_MILLIS;
                if (hourStart <= to && hourStart + HOUR_MILLIS > from) {
                    out.add(hour(hourStart, field.getValue()));
                }
            }
        }
        return out;
    }

    private static Map<String, Object> hour(long hourStart, String record) {
        String[] f = record.split(",", -1);
        Map<String, Object> hour = new LinkedHashMap<>();
        hour.put("hour", Instant.ofEpochMilli(hourStart).toString());
        hour.put("count", Long.parseLong(f[0]));
        hour.put("first", (hourStart + Long.parseLong(f[1])) / 1000);
        hour.put("last", (hourStart + Long.parseLong(f[2])) / 1000);
        hour.put("longest_gap_seconds", f[3].isEmpty() ? null : BigDecimal.valueOf(Long.parseLong(f[3]), 3));
        hour.put("longest_gap_started", f[4].isEmpty() ? null : Math.floorDiv(hourStart + Long.parseLong(f[4]), 1000));
        hour.put("voltage", range(f[5], f[6], 1));
        hour.put("signal", range(f[7], f[8], 0));
        hour.put("temperature", range(f[9], f[10], 0));
        return hour;
    }

    /** min / max in the heartbeat event's units (scale 1: tenths, shown as volts), null items when not reported. */
    private static Map<String, Object> range(String min, String max, int scale) {
        Map<String, Object> range = new LinkedHashMap<>();
        range.put("min", min.isEmpty() ? null : BigDecimal.valueOf(Long.parseLong(min), scale));
        range.put("max", max.isEmpty() ? null : BigDecimal.valueOf(Long.parseLong(max), scale));
        return range;
    }

    private static int decivolts(BigDecimal volts) {
        return volts == null ? NONE : volts.movePointRight(1).intValue();
    }

    private static int orNone(Integer value) {
        return value == null ? NONE : value;
    }

    private String key(String suffix) {
        return prefix + suffix;
    }

    private static String hourField(long hourStart) {
        int hour = Instant.ofEpochMilli(hourStart).atZone(ZoneOffset.UTC).getHour();
        return hour < 10 ? "0" + hour : Integer.toString(hour);
    }

    private static String day(long millis) {
        return date(millis).format(DAY);
    }

    private static LocalDate date(long millis) {
        return Instant.ofEpochMilli(millis).atZone(ZoneOffset.UTC).toLocalDate();
    }
}
