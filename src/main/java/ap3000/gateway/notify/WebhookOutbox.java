package ap3000.gateway.notify;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import ap3000.gateway.event.EventJson;
import ap3000.gateway.event.JournalShards;
import ap3000.gateway.redis.RedisConnection;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.params.ZAddParams;
import redis.clients.jedis.params.ZRangeParams;

/**
 * The durable outbox in Redis, sharded like the journal ({@link JournalShards}: a device's events are in the outbox
 * shard of its journal shard). Per endpoint E and shard i (keys share the hash tag {E-i}, or {E} with one shard,
 * so each script runs in one slot, and the shards of one endpoint spread over the cluster):
 * <ul>
 *   <li>{@code queue:{device}}: sorted set of the payloads still owed to E for one device, scored by when each
 *       event happened (microseconds): the head is always the device's oldest undelivered event; heartbeats of an
 *       endpoint that conflates them are queued latest-wins ({@link #enqueueLatest});</li>
 *   <li>{@code ready}: sorted set of the devices with something queued, scored by the millisecond from which a
 *       worker may take the device: now, a future retry time, or the end of a worker's lease. A worker leases
 *       a device, delivers its queue head first, and only then the next: events of one device reach E in order,
 *       different devices go in parallel, on any node;</li>
 *   <li>{@code tries}: retry rounds and HTTP attempts per event of the shard's devices.</li>
 * </ul>
 * {@code {E}:disabled}, one for all shards, says why E was switched off (it answered 410).
 * An event leaves its queue only when delivered or written to the dead letters ({dead-letters} keys).
 */
public class WebhookOutbox {

    /** The event type delivered latest-wins by endpoints that conflate heartbeats. */
    static final String HEARTBEAT = "device_heartbeat";
    private static final String HEARTBEAT_TYPE = "\"event_type\":\"" + HEARTBEAT + "\"";

    /**
     * Leases the device whose turn came first until ARGV[2] and returns it with its oldest event (payload, score);
     * a device found with an empty queue leaves the ready set and comes back alone. The queue key is built from
     * ARGV[3], the endpoint's prefix: it shares the ready set's hash tag, so it lives in the same cluster slot.
     */
    private static final String CLAIM = """
            local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 1)
            if #due == 0 then return false end
            local head = redis.call('ZRANGE', ARGV[3] .. due[1], 0, 0, 'WITHSCORES')
            if #head == 0 then
              redis.call('ZREM', KEYS[1], due[1])
              return {due[1]}
            end
            redis.call('ZADD', KEYS[1], ARGV[2], due[1])
            return {due[1], head[1], head[2]}
            """;

    /**
     * The device's head is done (delivered or dead-lettered): it leaves the queue, its retry counts go, and the next
     * event is returned; with none left the device leaves the ready set (a new event puts it back).
     */
    private static final String DONE = """
            redis.call('ZREM', KEYS[1], ARGV[1])
            redis.call('HDEL', KEYS[2], ARGV[2], ARGV[2] .. ':attempts')
            local head = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
            if #head == 0 then
              redis.call('ZREM', KEYS[3], ARGV[3])
              return false
            end
            return head
            """;

    /**
     * Queues a heartbeat latest-wins: when the device's queue ends with an undelivered heartbeat, this one takes its
     * place; otherwise it is appended. Only the last element is ever replaced, and never the head (the one a worker
     * may be delivering or retrying now), so nothing overtakes the business events queued before it, and those are
     * never touched. The type is read from the payload's envelope: its first {@code "event_type":"} is the
     * envelope's (an escaped quote inside {@code event_id} could not match). Same keys as {@link #enqueue}.
     */
    private static final String ENQUEUE_LATEST = """
            if redis.call('ZCARD', KEYS[1]) > 1 then
              local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
              local at = string.find(last[1], '"event_type":"', 1, true)
              if at and string.sub(last[1], at, at + #ARGV[4] - 1) == ARGV[4] and tonumber(last[2]) <= tonumber(ARGV[1]) then
                redis.call('ZREM', KEYS[1], last[1])
              end
            end
            redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
            redis.call('ZADD', KEYS[2], 'NX', ARGV[3], ARGV[5])
            return 1
            """;

    /** Every device of the ready set due after ARGV[1] is due at ARGV[2]; returns how many. */
    private static final String DUE_NOW = """
            local waiting = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf')
            for _, device in ipairs(waiting) do redis.call('ZADD', KEYS[1], 'XX', ARGV[2], device) end
            return #waiting
            """;

    /**
     * The device is due at ARGV[3] if its time is still the lease ARGV[2] a worker got with it: a lease that ran out
     * and was taken by another worker, or a device that left the ready set and came back, is not this worker's.
     */
    private static final String RETRY_IF_LEASED = """
            local at = redis.call('ZSCORE', KEYS[1], ARGV[1])
            if at and tonumber(at) == tonumber(ARGV[2]) then
              redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
              return 1
            end
            return 0
            """;

    /** A device whose queue is empty leaves the ready set; otherwise it is due again at ARGV[2]. */
    private static final String RELEASE = """
            if redis.call('ZCARD', KEYS[2]) == 0 then
              redis.call('ZREM', KEYS[1], ARGV[1])
            else
              redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
            end
            return 1
            """;

    private record DisabledCheck(boolean disabled, long atNanos) {
    }

    private static final long DISABLED_CHECK_NANOS = TimeUnit.SECONDS.toNanos(1);

    /**
     * A leased device and its oldest queued event; no event when its queue turned out empty.
     *
     * @param leasedUntil the device's time in the ready set while the lease holds (epoch milliseconds)
     */
    public record Claimed(String device, Optional<Queued> head, long leasedUntil) {
    }

    /** One queued payload and its score (when it happened, in microseconds). */
    public record Queued(String body, long occurredAtMicros) {
    }

    private final RedisConnection redis;
    private final JournalShards shards;
    /** Where the next claim starts going round the shards, so that every shard gets its turn. */
    private final AtomicInteger nextShard = new AtomicInteger();
    private final String prefix;
    private final long leaseMillis;
    private final long attemptsTtlSeconds;
    private final Clock clock;
    private final Map<String, DisabledCheck> disabled = new ConcurrentHashMap<>();

    public WebhookOutbox(RedisConnection redis, JournalShards shards, String prefix, Duration lease,
                         Duration attemptsTtl, Clock clock) {
        this.redis = redis;
        this.shards = shards;
        this.prefix = prefix;
        this.leaseMillis = lease.toMillis();
        this.attemptsTtlSeconds = attemptsTtl.toSeconds();
        this.clock = clock;
    }

    /**
     * Queues a payload for an endpoint, in the fan-out's pipeline. Adding the same payload again changes nothing,
     * so a fan-out batch read twice after a crash queues each event once. A device already in the ready set keeps
     * its time (a lease, a retry wait).
     */
    public void enqueue(AbstractPipeline pipeline, String endpoint, String device, long occurredAtMicros, String body) {
        pipeline.zadd(queueKey(endpoint, device), occurredAtMicros, body);
        pipeline.zadd(readyKey(endpoint, device), clock.millis(), device, ZAddParams.zAddParams().nx());
    }

    /**
     * Queues a heartbeat latest-wins (see {@link #ENQUEUE_LATEST}), in the fan-out's pipeline, as one atomic
     * script. Idempotent like {@link #enqueue}: the same heartbeat queued again replaces itself.
     */
    public void enqueueLatest(AbstractPipeline pipeline, String endpoint, String device, long occurredAtMicros,
                              String body) {
        pipeline.eval(ENQUEUE_LATEST, List.of(queueKey(endpoint, device), readyKey(endpoint, device)),
                List.of(Long.toString(occurredAtMicros), body, Long.toString(clock.millis()), HEARTBEAT_TYPE, device));
    }

    /**
     * Leases the device whose turn came first in a shard, with its oldest event, in one round trip per shard asked;
     * empty when none is due in any shard. Each call starts at the next shard, so that workers serve all alike.
     */
    public Optional<Claimed> claim(String endpoint) {
        int first = Math.floorMod(nextShard.getAndIncrement(), shards.count());
        for (int k = 0; k < shards.count(); k++) {
            Optional<Claimed> claimed = claim(endpoint, (first + k) % shards.count());
            if (claimed.isPresent()) {
                return claimed;
            }
        }
        return Optional.empty();
    }

    private Optional<Claimed> claim(String endpoint, int shard) {
        long now = clock.millis();
        long leasedUntil = now + leaseMillis;
        Object reply = redis.client().eval(CLAIM, List.of(readyKey(endpoint, shard)),
                List.of(Long.toString(now), Long.toString(leasedUntil), queuePrefix(endpoint, shard)));
        if (reply == null) {
            return Optional.empty();
        }
        List<?> fields = (List<?>) reply;
        return Optional.of(new Claimed((String) fields.get(0), queued(fields, 1), leasedUntil));
    }

    /** The worker is done with the device for now: due again at once if more is queued. */
    public void release(String endpoint, String device) {
        redis.client().eval(RELEASE, List.of(readyKey(endpoint, device), queueKey(endpoint, device)),
                List.of(device, Long.toString(clock.millis())));
    }

    /**
     * Devices waiting for a later retry round are due at once (the endpoint answers again, see
     * {@link WebhookWorkers}): scores beyond now + the lease can only be retry waits, as a claim leases a device until
     * now + the lease at most, so a device in delivery is never handed to a second worker. Returns how many.
     */
    public long retryWaitingNow(String endpoint) {
        long now = clock.millis();
        long moved = 0;
        for (int shard = 0; shard < shards.count(); shard++) {
            moved += (Long) redis.client().eval(DUE_NOW, List.of(readyKey(endpoint, shard)),
                    List.of(Long.toString(now + leaseMillis), Long.toString(now)));
        }
        return moved;
    }

    /** The device's head waits until then, and everything queued behind it with it. */
    public void retryAt(String endpoint, String device, long dueMillis) {
        redis.client().zadd(readyKey(endpoint, device), dueMillis, device);
    }

    /**
     * The device is due again that long from now, if the worker's lease on it ({@link Claimed#leasedUntil}) still
     * holds; otherwise the device's time is left as it is (a retry round the route scheduled, another worker's lease,
     * or no place in the ready set when its queue emptied).
     */
    public void retryIn(String endpoint, String device, long leasedUntil, Duration wait) {
        redis.client().eval(RETRY_IF_LEASED, List.of(readyKey(endpoint, device)),
                List.of(device, Long.toString(leasedUntil), Long.toString(clock.millis() + wait.toMillis())));
    }

    /**
     * Takes the device's head out of its queue (delivered, or dead-lettered) and returns the device's next event in
     * the same round trip; empty when the queue is now empty, and then the device has left the ready set.
     */
    public Optional<Queued> done(String endpoint, String device, String eventId, String body) {
        Object reply = redis.client().eval(DONE,
                List.of(queueKey(endpoint, device), triesKey(endpoint, device), readyKey(endpoint, device)),
                List.of(body, eventId, device));
        return reply == null ? Optional.empty() : queued((List<?>) reply, 0);
    }

    private static Optional<Queued> queued(List<?> fields, int at) {
        if (fields.size() < at + 2) {
            return Optional.empty();
        }
        return Optional.of(new Queued((String) fields.get(at), (long) Double.parseDouble((String) fields.get(at + 1))));
    }

    /** Starts the next retry round of a device's event; returns its number (1 for the first retry). */
    public long nextRound(String endpoint, String device, String eventId) {
        return redis.client().hincrBy(triesKey(endpoint, device), eventId, 1);
    }

    /** Counts one HTTP request made for a device's event. */
    public void countAttempt(AbstractPipeline pipeline, String endpoint, String device, String eventId) {
        pipeline.hincrBy(triesKey(endpoint, device), eventId + ":attempts", 1);
    }

    public long attempts(String endpoint, String device, String eventId) {
        String value = redis.client().hget(triesKey(endpoint, device), eventId + ":attempts");
        return value == null ? 0 : Long.parseLong(value);
    }

    /**
     * Moves the device's head to the dead letters: written there first, then taken from the queue, so that a
     * crash in between leaves it in both places (sent again, same event_id) rather than in neither.
     */
    public Optional<Queued> deadLetter(DeadLetter letter, String device) {
        try (AbstractPipeline p = redis.pipelined()) {
            p.hset(deadLettersKey(), letter.id(), EventJson.writeValue(letter));
            p.zadd(deadLetterIndexKey(), letter.deadLetteredAtMillis(), letter.id());
            RedisConnection.syncOrThrow(p);
        }
        return done(letter.endpoint(), device, letter.eventId(), letter.body());
    }

    public Optional<DeadLetter> deadLetter(String id) {
        return Optional.ofNullable(redis.client().hget(deadLettersKey(), id))
                .map(json -> EventJson.readValue(json, DeadLetter.class));
    }

    /** Dead letters between two times (milliseconds), oldest first, one page of them. */
    public List<DeadLetter> deadLetters(long fromMillis, long toMillis, int offset, int count) {
        List<String> ids = redis.client().zrangeByScore(deadLetterIndexKey(), fromMillis, toMillis, offset, count);
        if (ids.isEmpty()) {
            return List.of();
        }
        List<DeadLetter> letters = new ArrayList<>(ids.size());
        for (String json : redis.client().hmget(deadLettersKey(), ids.toArray(new String[0]))) {
            if (json != null) {
                letters.add(EventJson.readValue(json, DeadLetter.class));
            }
        }
        return letters;
    }

    public long deadLetterCount() {
        return redis.client().zcard(deadLetterIndexKey());
    }

    /**
     * Queues a dead letter again, in its place in the device's order, with a fresh retry count, and removes it
     * from the dead letters. Returns false when the endpoint no longer exists or the dead letter is gone.
     */
    public boolean replay(DeadLetter letter) {
        try (AbstractPipeline p = redis.pipelined()) {
            p.hdel(triesKey(letter.endpoint(), letter.deviceId()), letter.eventId(), letter.eventId() + ":attempts");
            enqueue(p, letter.endpoint(), letter.deviceId(), letter.occurredAtMicros(), letter.body());
            RedisConnection.syncOrThrow(p);
        }
        return delete(letter.id());
    }

    public boolean delete(String id) {
        try (AbstractPipeline p = redis.pipelined()) {
            Response<Long> removed = p.hdel(deadLettersKey(), id);
            p.zrem(deadLetterIndexKey(), id);
            RedisConnection.syncOrThrow(p);
            return removed.get() > 0;
        }
    }

    /** Appends one HTTP attempt to the event's attempt log, in the caller's pipeline. */
    public void logAttempt(AbstractPipeline pipeline, String eventId, String attemptJson) {
        String key = attemptsKey(eventId);
        pipeline.rpush(key, attemptJson);
        pipeline.expire(key, attemptsTtlSeconds);
    }

    public List<String> attemptLog(String eventId) {
        return redis.client().lrange(attemptsKey(eventId), 0, -1);
    }

    /**
     * Switches an endpoint off on every node until an operator enables it again; its events stay queued. This node
     * knows at once, the others within a second ({@link #isDisabled}).
     */
    public void disable(String endpoint, String reason) {
        redis.client().set(disabledKey(endpoint), reason);
        disabled.put(endpoint, new DisabledCheck(true, System.nanoTime()));
    }

    public void enable(String endpoint) {
        redis.client().del(disabledKey(endpoint));
        disabled.put(endpoint, new DisabledCheck(false, System.nanoTime()));
    }

    /** Whether the endpoint is disabled, read from Redis at most once a second: workers ask before every device. */
    public boolean isDisabled(String endpoint) {
        long now = System.nanoTime();
        DisabledCheck last = disabled.get(endpoint);
        if (last == null || now - last.atNanos() > DISABLED_CHECK_NANOS) {
            last = new DisabledCheck(disabledReason(endpoint).isPresent(), now);
            disabled.put(endpoint, last);
        }
        return last.disabled();
    }

    public Optional<String> disabledReason(String endpoint) {
        return Optional.ofNullable(redis.client().get(disabledKey(endpoint)));
    }

    /**
     * Devices with something queued for the endpoint, and how many events that is, over every shard (one round trip
     * per shard and per 1,000 devices).
     */
    public Map<String, Long> depth(String endpoint) {
        long devices = 0;
        long events = 0;
        for (int shard = 0; shard < shards.count(); shard++) {
            List<String> ready = redis.client().zrange(readyKey(endpoint, shard), ZRangeParams.zrangeParams(0, -1));
            devices += ready.size();
            events += queued(endpoint, ready);
        }
        return Map.of("devices", devices, "events", events);
    }

    private long queued(String endpoint, List<String> devices) {
        long events = 0;
        for (int from = 0; from < devices.size(); from += 1000) {
            List<Response<Long>> sizes = new ArrayList<>();
            try (AbstractPipeline p = redis.pipelined()) {
                for (String device : devices.subList(from, Math.min(devices.size(), from + 1000))) {
                    sizes.add(p.zcard(queueKey(endpoint, device)));
                }
                RedisConnection.syncOrThrow(p);
            }
            for (Response<Long> size : sizes) {
                events += size.get();
            }
        }
        return events;
    }

    /** The hash tag of an endpoint's shard: {E} with one shard (the names from before sharding), else {E-i}. */
    private String tagged(String endpoint, int shard) {
        return prefix + "{" + endpoint + shards.tagSuffix(shard) + "}";
    }

    private String readyKey(String endpoint, int shard) {
        return tagged(endpoint, shard) + ":ready";
    }

    private String readyKey(String endpoint, String device) {
        return readyKey(endpoint, shards.shardOf(device));
    }

    private String queuePrefix(String endpoint, int shard) {
        return tagged(endpoint, shard) + ":queue:";
    }

    private String queueKey(String endpoint, String device) {
        return queuePrefix(endpoint, shards.shardOf(device)) + device;
    }

    private String triesKey(String endpoint, String device) {
        return tagged(endpoint, shards.shardOf(device)) + ":tries";
    }

    private String disabledKey(String endpoint) {
        return prefix + "{" + endpoint + "}:disabled";
    }

    private String deadLettersKey() {
        return prefix + "{dead-letters}:entries";
    }

    private String deadLetterIndexKey() {
        return prefix + "{dead-letters}:index";
    }

    private String attemptsKey(String eventId) {
        return prefix + "attempts:" + eventId;
    }
}
