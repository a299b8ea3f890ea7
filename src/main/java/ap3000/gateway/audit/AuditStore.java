package ap3000.gateway.audit;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import ap3000.gateway.event.DeviceEvent;
import ap3000.gateway.event.EventJson;
import ap3000.gateway.event.JournalBatch;
import ap3000.gateway.event.EventType;
import ap3000.gateway.protocol.Descriptions;
import ap3000.gateway.redis.RedisConnection;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisNoScriptException;
import redis.clients.jedis.params.ZAddParams;
import redis.clients.jedis.params.ZRangeParams;
import redis.clients.jedis.resps.Tuple;

/**
 * The audit trail in Redis, under a configurable prefix ({@code audit:} by default), every key with its TTL:
 * <ul>
 *   <li>{@code events:{device}:{yyyyMMdd}}: sorted set of the device's events of one UTC day, scored by the
 *       millisecond they happened, member = the event's JSON (with its raw frame), packed by
 *       {@link TimelineRecord};</li>
 *   <li>{@code counts:{yyyyMMdd}}: hash of events per type of one UTC day, for statistics, counted when the
 *       audit acknowledges them (see {@link #countsKey});</li>
 *   <li>{@code device:{device}:seen}: when the device's last event happened, to tell unknown devices apart;</li>
 *   <li>{@code session:{order}}: hash of one charging session; {@code session:{order}:samples}: its power
 *       samples; {@code device:{device}:sessions}: the device's sessions by start time;
 *       {@code device:{device}:port:{port}:session}: the order of the newest sample charging on the port.</li>
 * </ul>
 * Every record is written idempotently (sorted-set members and hash fields), so a retried or recovered batch
 * leaves one record per event; the counts are kept exact by the acknowledgement instead. Session records do not
 * depend on the order their events are applied in, which parallel readers do not keep. A batch is written in one
 * pipelined round trip.
 */
public class AuditStore {

    private static final DateTimeFormatter DAY = DateTimeFormatter.BASIC_ISO_DATE;
    private static final List<String> SETTLED_STATES = List.of("settled");
    /**
     * Events the timeline does not file: {@code charging_power} repeats the {@code power_heartbeat} of the same 0x06
     * frame (filed, one record per power sample). Unchanged heartbeats journaled for the webhooks are not filed either
     * ({@link AuditEntry#summarized()}): {@link HeartbeatSummaries} keeps them.
     */
    private static final Set<String> NOT_FILED = Set.of("charging_power");

    /**
     * Writes one event's fields into its session hash. KEYS: the session hash (one key: a Redis Cluster runs a script
     * on one slot only). ARGV: the event's time in microseconds, the state it sets (or empty), then groups of fields:
     * name, rank, field count, fields and values. The state only moves up (charging, failed, settled: a late sample
     * never takes a settled session back to charging). A group is taken when its rank is higher than the stored one's,
     * or the same and the event newer; {@code v:<group>} keeps {@code rank:us} of the event it came from.
     */
    static final String SESSION = """
            local STATES = {charging = 1, failed = 2, settled = 3}
            local at = tonumber(ARGV[1])
            if ARGV[2] ~= '' then
              local stored = redis.call('HGET', KEYS[1], 'state')
              if not stored or STATES[ARGV[2]] > (STATES[stored] or 0) then
                redis.call('HSET', KEYS[1], 'state', ARGV[2])
              end
            end
            local i = 3
            while i <= #ARGV do
              local version, rank, n = 'v:' .. ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
              local storedRank, storedAt = string.match(redis.call('HGET', KEYS[1], version) or '', '^(%d+):(%d+)$')
              if not storedRank or rank > tonumber(storedRank)
                  or (rank == tonumber(storedRank) and at > tonumber(storedAt)) then
                local fields = {version, ARGV[i + 1] .. ':' .. ARGV[1]}
                for j = i + 3, i + 2 + 2 * n do fields[#fields + 1] = ARGV[j] end
                redis.call('HSET', KEYS[1], unpack(fields))
              end
              i = i + 3 + 2 * n
            end
            return 0
            """;

    /**
     * Points a port at the order of a sample unless a newer sample is stored. KEYS: the port's key. ARGV: the
     * sample's time in microseconds, the order, TTL seconds. The value is {@code us|order}.
     */
    static final String PORT = """
            local storedAt = string.match(redis.call('GET', KEYS[1]) or '', '^(%d+)|')
            if storedAt and tonumber(storedAt) >= tonumber(ARGV[1]) then return 0 end
            redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[2], 'EX', ARGV[3])
            return 1
            """;

    /** The SHA1s of the loaded scripts. */
    private record Scripts(String session, String port) {
    }

    private final RedisConnection redis;
    private final Clock clock;
    private final String prefix;
    private final long eventsTtlSeconds;
    private final long sessionsTtlSeconds;
    private final long deadLetterTtlSeconds;
    private final Timer writes;
    private final DistributionSummary batchSizes;
    private final AtomicLong maxWriteNanos = new AtomicLong();
    private volatile Scripts scripts;

    public AuditStore(RedisConnection redis, String prefix, Duration eventsTtl, Duration sessionsTtl,
                      Duration deadLetterTtl, Clock clock, MeterRegistry meters) {
        this.redis = redis;
        this.clock = clock;
        this.writes = Timer.builder("gateway.audit.write").description("one batch written to the audit store")
                .publishPercentileHistogram().register(meters);
        this.batchSizes = DistributionSummary.builder("gateway.audit.batch.size").baseUnit("events")
                .description("events per batch written to the audit store").register(meters);
        this.prefix = prefix;
        this.eventsTtlSeconds = eventsTtl.toSeconds();
        this.sessionsTtlSeconds = sessionsTtl.toSeconds();
        this.deadLetterTtlSeconds = deadLetterTtl.toSeconds();
    }

    /** The audit route's step: writes a batch read from the journal and records how long it took. */
    public void writeBatch(JournalBatch<AuditEntry> batch) {
        long start = System.nanoTime();
        write(batch.entries());
        long nanos = System.nanoTime() - start;
        writes.record(nanos, TimeUnit.NANOSECONDS);
        batchSizes.record(batch.size());
        maxWriteNanos.accumulateAndGet(nanos, Math::max);
    }

    /** The audit route's last resort for a batch that could not be written. */
    public void deadLetterBatch(JournalBatch<AuditEntry> batch, @ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Exception cause) {
        deadLetter(batch.entries().stream().map(AuditEntry::parsed).toList(),
                cause == null ? "unknown" : cause.getClass().getSimpleName() + ": " + cause.getMessage());
    }

    /**
     * Writes events in one pipelined round trip. Timelines are scored by the event's microsecond, unique and
     * increasing on a node, so events of one frame keep their order (microseconds since 1970 stay exact in a
     * double until the year 2255). Each key's TTL is set once per batch, not once per event. The timeline
     * holds each event's JSON as the journal has it: the same text every time, so re-writes are no-ops.
     */
    public void write(List<AuditEntry> entries) {
        try {
            write(entries, scripts());
        } catch (JedisNoScriptException e) {
            // Redis lost its scripts (a restart, a failover): load them again; the writes are idempotent
            scripts = null;
            write(entries, scripts());
        }
    }

    private void write(List<AuditEntry> entries, Scripts scripts) {
        Map<String, Long> expiring = new LinkedHashMap<>();
        Map<String, Long> lastSeen = new LinkedHashMap<>();
        // one ZADD per key with all of the batch's members for it: redis-server spends more per command (parsing,
        // dispatch, the append-only file) than per member (AuditBenchmark part 3)
        Map<String, Map<byte[], Double>> members = new LinkedHashMap<>();
        try (AbstractPipeline p = redis.pipelined()) {
            for (AuditEntry e : entries) {
                if (e.summarized() || NOT_FILED.contains(e.eventType())) {
                    continue;
                }
                long millis = e.occurredAtMicros() / 1000;
                String day = day(millis);
                String timeline = key("events:" + e.deviceId() + ":" + day);
                members.computeIfAbsent(timeline, k -> new HashMap<>())
                        .put(TimelineRecord.pack(e.json()), (double) e.occurredAtMicros());
                lastSeen.merge(e.deviceId(), millis, Math::max);
                if (e.event() != null) {
                    session(p, e.event(), expiring, scripts);
                }
            }
            members.forEach((key, scored) -> {
                p.zadd(key.getBytes(StandardCharsets.UTF_8), scored);
                expiring.put(key, eventsTtlSeconds);
            });
            expiring.forEach(p::expire);
            lastSeen.forEach((device, millis) -> p.setex(key("device:" + device + ":seen"), eventsTtlSeconds,
                    Long.toString(millis)));
            RedisConnection.syncOrThrow(p);
        }
    }

    /** A batch that could not be written after the configured attempts: kept with its reason, never dropped. */
    public void deadLetter(List<DeviceEvent> events, String reason) {
        String key = key("dead-letters");
        try (AbstractPipeline p = redis.pipelined()) {
            for (DeviceEvent e : events) {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("failed_at_ms", clock.millis());
                entry.put("reason", reason);
                entry.put("event", e);
                p.rpush(key, EventJson.writeValue(entry));
            }
            p.expire(key, deadLetterTtlSeconds);
            RedisConnection.syncOrThrow(p);
        }
    }

    public long deadLetterCount() {
        return redis.client().llen(key("dead-letters"));
    }

    // ---- queries ----------------------------------------------------------------------------------------

    public boolean isKnownDevice(String deviceId) {
        return redis.client().exists(key("device:" + deviceId + ":seen"));
    }

    /**
     * The device's events between two instants (inclusive), oldest first, optionally of one type. The range is
     * clamped to the retention period: there is one key per day, and nothing older than the TTL exists.
     */
    public List<DeviceEvent> events(String deviceId, long fromMillis, long toMillis, String type, int limit) {
        List<DeviceEvent> out = new ArrayList<>();
        // one record per event, also should the same event have been packed twice (by another compressor version)
        Set<String> seen = new HashSet<>();
        UnifiedJedis client = redis.client();
        long now = clock.millis();
        long from = Math.max(fromMillis, now - (eventsTtlSeconds + 86_400) * 1000);
        long to = Math.min(toMillis, now + 86_400_000L);
        for (LocalDate d = date(from); !d.isAfter(date(to)) && out.size() < limit; d = d.plusDays(1)) {
            String timeline = key("events:" + deviceId + ":" + d.format(DAY));
            for (byte[] member : client.zrangeByScore(timeline.getBytes(StandardCharsets.UTF_8), from * 1000.0,
                    to * 1000.0 + 999)) {
                DeviceEvent e;
                try {
                    e = EventJson.read(TimelineRecord.unpack(member));
                } catch (RuntimeException unreadable) {
                    // not written by a gateway: Redis may be shared, what it holds is not trusted
                    continue;
                }
                if ((type == null || type.equals(e.eventType())) && seen.add(e.eventId())) {
                    out.add(e);
                    if (out.size() == limit) {
                        break;
                    }
                }
            }
        }
        return out;
    }

    /** One session record with its power figures, or empty for an unknown order. */
    public Optional<Map<String, Object>> session(String order) {
        UnifiedJedis client = redis.client();
        Map<String, String> hash = client.hgetAll(key("session:" + order));
        if (hash.isEmpty()) {
            return Optional.empty();
        }
        Map<String, Object> session = new LinkedHashMap<>();
        for (String field : List.of("order_id", "device_id", "port_number", "state", "start_time", "end_time",
                "duration_seconds", "energy_kwh", "max_power_w", "stop_reason", "stop_reason_desc",
                "start_mode", "failure_reason", "last_event_type", "updated_at_ms")) {
            if (hash.containsKey(field)) {
                session.put(field, typed(field, hash.get(field)));
            }
        }
        List<Tuple> samples = client.zrangeWithScores(key("session:" + order + ":samples"), ZRangeParams.zrangeParams(0, -1));
        session.put("power_samples", samples.size());
        if (!samples.isEmpty()) {
            BigDecimal sum = BigDecimal.ZERO;
            BigDecimal max = BigDecimal.ZERO;
            for (Tuple t : samples) {
                BigDecimal watts = new BigDecimal(t.getElement().substring(t.getElement().indexOf('|') + 1));
                sum = sum.add(watts);
                max = max.max(watts);
            }
            session.put("avg_power_w", sum.divide(BigDecimal.valueOf(samples.size()), 1, RoundingMode.HALF_UP));
            if (!session.containsKey("max_power_w")) {
                session.put("max_power_w", max);
            }
        }
        return Optional.of(session);
    }

    /**
     * One session with its story: {@code events} (those of the device's timeline that carry the order, over the
     * session's window, see {@link SessionStory}) and {@code power_series} (the samples, oldest first). Events are
     * kept {@code audit.ttl.events}, sessions and samples {@code audit.ttl.sessions}: an older session tells its
     * power but no longer its events.
     */
    public Optional<Map<String, Object>> sessionStory(String order) {
        Optional<Map<String, Object>> found = session(order);
        found.ifPresent(session -> {
            String device = (String) session.get("device_id");
            UnifiedJedis client = redis.client();
            long[] window = SessionStory.window(session,
                    client.zscore(key("device:" + device + ":sessions"), order));
            session.put("events", SessionStory.events(order, events(device, window[0], window[1], null,
                    Integer.MAX_VALUE)));
            session.put("power_series", SessionStory.powerSeries(client.zrange(key("session:" + order + ":samples"),
                    ZRangeParams.zrangeParams(0, -1))));
        });
        return found;
    }

    /** The device's sessions, newest first. */
    public List<Map<String, Object>> sessions(String deviceId, int limit) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String order : redis.client().zrevrange(key("device:" + deviceId + ":sessions"), 0, limit - 1)) {
            session(order).ifPresent(out::add);
        }
        return out;
    }

    /** The order last seen charging on a port, unless that session has since been settled. */
    public Optional<String> activeSession(String deviceId, int port) {
        String value = redis.client().get(key("device:" + deviceId + ":port:" + port + ":session"));
        if (value == null) {
            return Optional.empty();
        }
        // us|order (see PORT); a plain order as written before
        int bar = value.indexOf('|');
        String order = bar > 0 && value.chars().limit(bar).allMatch(Character::isDigit) ? value.substring(bar + 1) : value;
        String state = redis.client().hget(key("session:" + order), "state");
        // no record (expired, or not yet written by another reader): not known to be settled
        return state != null && SETTLED_STATES.contains(state) ? Optional.empty() : Optional.of(order);
    }

    /**
     * The counter hash an event is counted in: its UTC day's. The audit's journal reader adds one to the event's
     * type there in the same atomic step that acknowledges the event, so each event counts once, whatever was
     * retried or recovered (a set of event IDs per type did the same at about 120 bytes per event, kept 168 h).
     */
    public String countsKey(AuditEntry entry) {
        return key("counts:" + day(entry.occurredAtMicros() / 1000));
    }

    /** Events per type over the retained days, every type listed (one pipelined round trip). */
    public Map<String, Long> countsByType(int days) {
        List<Response<Map<String, String>>> replies = new ArrayList<>();
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        try (AbstractPipeline p = redis.pipelined()) {
            for (int i = 0; i < days; i++) {
                replies.add(p.hgetAll(key("counts:" + today.minusDays(i).format(DAY))));
            }
            p.sync();
        }
        Map<String, Long> counts = new LinkedHashMap<>();
        for (EventType type : EventType.values()) {
            counts.put(type.wireName(), 0L);
        }
        for (Response<Map<String, String>> day : replies) {
            day.get().forEach((type, n) -> counts.merge(type, Long.parseLong(n), Long::sum));
        }
        return counts;
    }

    public long eventsTtlSeconds() {
        return eventsTtlSeconds;
    }

    public long writtenBatches() {
        return writes.count();
    }

    public long writtenEvents() {
        return (long) batchSizes.totalAmount();
    }

    /** Total time spent writing batches, in nanoseconds. */
    public long writeNanos() {
        return (long) writes.totalTime(TimeUnit.NANOSECONDS);
    }

    public long maxWriteNanos() {
        return maxWriteNanos.get();
    }

    // ---- sessions ---------------------------------------------------------------------------------------

    /**
     * Builds the session record from the events that concern an order: power samples while charging, the end
     * and the settlement. Several audit readers apply one device's events in parallel, so in any order: the
     * {@link #SESSION} script keeps each field's value from the newest event that has the right to set it, and
     * {@link #PORT} the port's newest order, so the record ends the same whatever the order, and replays change
     * nothing. The samples and the index are sorted sets: order does not matter there.
     */
    private void session(AbstractPipeline p, DeviceEvent e, Map<String, Long> expiring, Scripts scripts) {
        // the contract names it order_number on charging_start / charging_failed, order_id elsewhere
        Object orderValue = e.data() == null ? null
                : e.data().containsKey("order_id") ? e.data().get("order_id") : e.data().get("order_number");
        if (orderValue == null || e.portNumber() == null) {
            return;
        }
        String order = orderValue.toString();
        String sessionKey = key("session:" + order);
        long seconds = e.timestamp();
        long millis = e.occurredAtMicros() / 1000;
        String micros = Long.toString(e.occurredAtMicros());
        List<String> args = new ArrayList<>(24);
        args.add(micros);
        args.add(""); // the state, if the event sets one
        group(args, "last", 0, "order_id", order, "device_id", e.deviceId(), "port_number",
                e.portNumber().toString(), "last_event_type", e.eventType(), "updated_at_ms", Long.toString(millis));
        switch (e.eventType()) {
            case "power_heartbeat" -> {
                int duration = ((Number) e.data().get("charge_duration")).intValue();
                group(args, "figures", 0, "duration_seconds", Integer.toString(duration),
                        "energy_kwh", e.data().get("cumulative_energy").toString());
                if (Boolean.TRUE.equals(e.data().get("is_charging"))) {
                    args.set(1, "charging");
                    group(args, "times", 0, "start_time", Long.toString(seconds - duration));
                    p.evalsha(scripts.port(), List.of(key("device:" + e.deviceId() + ":port:" + e.portNumber()
                            + ":session")), List.of(micros, order, Long.toString(sessionsTtlSeconds)));
                }
                String samples = key("session:" + order + ":samples");
                p.zadd(samples, millis, millis + "|" + e.data().get("current_power"));
                expiring.put(samples, sessionsTtlSeconds);
            }
            case "charging_start" -> {
                args.set(1, "charging");
                group(args, "times", 0, "start_time", Long.toString(seconds));
            }
            case "charging_failed" -> {
                if (!Boolean.TRUE.equals(e.data().get("executed"))) {
                    args.set(1, "failed");
                }
                group(args, "failure", 0, "failure_reason", String.valueOf(e.data().get("failure_reason")));
            }
            // the device's own figures outrank those of its samples
            case "charging_end" -> group(args, "figures", 1,
                    "duration_seconds", e.data().get("charge_duration").toString(),
                    "energy_kwh", e.data().get("total_energy").toString(),
                    "stop_reason", e.data().get("stop_reason").toString(),
                    "stop_reason_desc", Descriptions.stopReason(((Number) e.data().get("stop_reason")).intValue()),
                    "max_power_w", e.data().get("max_power").toString(),
                    "start_mode", e.data().get("start_mode").toString());
            // the settlement's times outrank a start or a sample's
            case "settlement" -> {
                args.set(1, "settled");
                group(args, "times", 1, "start_time", e.data().get("start_time").toString(),
                        "end_time", e.data().get("end_time").toString());
            }
            default -> {
                return;
            }
        }
        p.evalsha(scripts.session(), List.of(sessionKey), args);
        expiring.put(sessionKey, sessionsTtlSeconds);
        String index = key("device:" + e.deviceId() + ":sessions");
        // LT: the order's earliest event, whichever was applied first
        p.zadd(index, millis, order, ZAddParams.zAddParams().lt());
        expiring.put(index, sessionsTtlSeconds);
    }

    /** Appends a group of fields to a {@link #SESSION} call: name, rank, field count, then fields and values. */
    private static void group(List<String> args, String name, int rank, String... fieldsAndValues) {
        args.add(name);
        args.add(Integer.toString(rank));
        args.add(Integer.toString(fieldsAndValues.length / 2));
        args.addAll(List.of(fieldsAndValues));
    }

    private Scripts scripts() {
        Scripts loaded = scripts;
        if (loaded == null) {
            loaded = new Scripts(redis.loadScript(SESSION), redis.loadScript(PORT));
            scripts = loaded;
        }
        return loaded;
    }

    private static Object typed(String field, String value) {
        return switch (field) {
            case "port_number", "duration_seconds", "stop_reason", "start_mode" -> Integer.parseInt(value);
            case "start_time", "end_time", "updated_at_ms" -> Long.parseLong(value);
            case "energy_kwh", "max_power_w" -> new BigDecimal(value);
            default -> value;
        };
    }

    private String key(String suffix) {
        return prefix + suffix;
    }

    private static String day(long millis) {
        return date(millis).format(DAY);
    }

    private static LocalDate date(long millis) {
        return Instant.ofEpochMilli(millis).atZone(ZoneOffset.UTC).toLocalDate();
    }
}
