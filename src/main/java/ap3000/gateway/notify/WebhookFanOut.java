package ap3000.gateway.notify;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ap3000.gateway.event.DeviceEvent;
import ap3000.gateway.event.EventJson;
import ap3000.gateway.event.JournalBatch;
import ap3000.gateway.event.JournalShards;
import ap3000.gateway.event.ShardedJournalReader;
import ap3000.gateway.redis.RedisConnection;
import redis.clients.jedis.AbstractPipeline;

/**
 * Moves accepted events from the journal into the outbox queues of the endpoints that subscribe to them, as the
 * journal's consumer group {@code notify}. The journal entries are acknowledged only after the queues hold them,
 * so a crash in between re-reads them (queueing is idempotent). One node at a time fans out each journal shard,
 * holding that shard's lease in Redis: a single reader keeps the order of the shard (and so of each of its devices),
 * a node that dies hands over within the lease, and different nodes may fan out different shards. A device's
 * events land in the outbox shard of the same number ({@link WebhookOutbox} hashes devices the same way).
 */
public class WebhookFanOut extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookFanOut.class);

    /** 1 = still ours (renewed), 2 = newly ours, 0 = another node holds it. */
    private static final String LEASE = """
            local holder = redis.call('GET', KEYS[1])
            if holder == ARGV[1] then
              redis.call('PEXPIRE', KEYS[1], ARGV[2])
              return 1
            end
            if not holder then
              redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
              return 2
            end
            return 0
            """;

    /** Deletes the lease only if this node holds it. */
    private static final String RELEASE = """
            if redis.call('GET', KEYS[1]) == ARGV[1] then
              return redis.call('DEL', KEYS[1])
            end
            return 0
            """;

    /** What the fan-out needs of a journal entry. */
    public record Entry(String device, long occurredAtMicros, String type, String eventJson) {
        static Entry of(Map<String, String> fields) {
            return new Entry(fields.get("device"), Long.parseLong(fields.get("us")), fields.get("type"),
                    fields.get("event"));
        }
    }

    private final RedisConnection redis;
    private final ShardedJournalReader<Entry> reader;
    private final WebhookOutbox outbox;
    private final WebhookEndpoints endpoints;
    private final WebhookWorkers workers;
    /** Per journal shard: its lease, whether this node holds it, and when another's was last looked at. */
    private final List<String> leaseKeys = new ArrayList<>();
    private final boolean[] leader;
    private final long[] lookedAtNanos;
    private final String node;
    private final long leaseMillis;

    public WebhookFanOut(RedisConnection redis, JournalShards shards, String prefix, String node, int batchSize,
                         Duration flushInterval, Duration lease, WebhookOutbox outbox, WebhookEndpoints endpoints,
                         WebhookWorkers workers) {
        this.redis = redis;
        // entries another node left unfinished are taken over with the lease, not after an idle time
        this.reader = new ShardedJournalReader<>(redis, shards, "notify", node, batchSize, flushInterval, lease,
                Entry::of);
        this.outbox = outbox;
        this.endpoints = endpoints;
        this.workers = workers;
        for (int shard = 0; shard < shards.count(); shard++) {
            // one shard: the lease's name as before sharding
            leaseKeys.add(prefix + "fan-out:lease" + (shards.count() == 1 ? "" : ":" + shard));
        }
        this.leader = new boolean[shards.count()];
        this.lookedAtNanos = new long[shards.count()];
        // never looked at: each lease is due at the first call
        Arrays.fill(lookedAtNanos, System.nanoTime() - TimeUnit.HOURS.toNanos(1));
        this.node = node;
        this.leaseMillis = lease.toMillis();
    }

    /**
     * The next journal entries to fan out, from a shard whose lease this node holds; empty (after a pause) while
     * other nodes hold every lease. Each lease is renewed (or, another node's, looked at) after that pause, at most a
     * second: far within the lease, and a few round trips a second however many shards.
     */
    public JournalBatch<Entry> next() throws InterruptedException {
        long now = System.nanoTime();
        long pause = Math.min(1000, leaseMillis / 3);
        boolean any = false;
        for (int shard = 0; shard < leaseKeys.size(); shard++) {
            if (now - lookedAtNanos[shard] >= TimeUnit.MILLISECONDS.toNanos(pause)) {
                lookedAtNanos[shard] = now;
                lease(shard);
            }
            any |= leader[shard];
        }
        if (!any) {
            Thread.sleep(pause);
            return JournalBatch.empty();
        }
        return reader.nextFrom(shard -> leader[shard]);
    }

    private void lease(int shard) {
        String leaseKey = leaseKeys.get(shard);
        long held = (Long) redis.client().eval(LEASE, List.of(leaseKey), List.of(node, Long.toString(leaseMillis)));
        if (held == 0) {
            leader[shard] = false;
        } else if (held == 2 || !leader[shard]) {
            LOG.info("This node now fans out webhook events (lease {})", leaseKey);
            reader.takeOver(shard);
            leader[shard] = true;
        }
    }

    /** Queues each entry for every endpoint that subscribes to its type, in one round trip. */
    public void fanOut(JournalBatch<Entry> batch) {
        int queued = 0;
        try (AbstractPipeline pipeline = redis.pipelined()) {
            for (Entry entry : batch.entries()) {
                String body = null;
                for (WebhookEndpoint endpoint : endpoints.all()) {
                    if (endpoint.subscribes(entry.type())) {
                        if (body == null) {
                            DeviceEvent event = EventJson.read(entry.eventJson());
                            body = WebhookPayload.of(event);
                        }
                        if (endpoint.conflates(entry.type())) {
                            outbox.enqueueLatest(pipeline, endpoint.name(), entry.device(), entry.occurredAtMicros(),
                                    body);
                        } else {
                            outbox.enqueue(pipeline, endpoint.name(), entry.device(), entry.occurredAtMicros(), body);
                        }
                        queued++;
                    }
                }
            }
            RedisConnection.syncOrThrow(pipeline);
        }
        if (queued > 0) {
            workers.wakeUp();
        }
    }

    public void ack(JournalBatch<Entry> batch) {
        reader.ack(batch);
    }

    /**
     * Stopped after the routes (the fan-out route is done): hands the leases back, so that another node, or this one
     * restarted, fans out at once instead of after the lease.
     */
    @Override
    protected void doStop() {
        for (int shard = 0; shard < leaseKeys.size(); shard++) {
            if (leader[shard]) {
                String leaseKey = leaseKeys.get(shard);
                try {
                    redis.client().eval(RELEASE, List.of(leaseKey), List.of(node));
                    LOG.info("Handed back the webhook fan-out lease ({})", leaseKey);
                } catch (RuntimeException e) {
                    LOG.warn("Could not hand back the webhook fan-out lease {}; another node takes it after it ends:"
                            + " {}", leaseKey, e.toString());
                }
                leader[shard] = false;
            }
        }
    }
}
