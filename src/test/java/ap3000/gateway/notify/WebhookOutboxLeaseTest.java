package ap3000.gateway.notify;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import ap3000.gateway.RedisUnderTest;
import ap3000.gateway.event.JournalShards;
import ap3000.gateway.redis.RedisConnection;
import redis.clients.jedis.AbstractPipeline;

/**
 * A worker whose delivery ended without a result (Redis failed after the receiver's answer) makes the device due
 * again only while its own lease holds: the write whose reply was lost may have emptied the queue, and the device,
 * queued again since, may be another worker's now. Against a real Redis.
 */
class WebhookOutboxLeaseTest {

    private static final String DEVICE = "04A20001";
    private static final String READY = "notify:{sink}:ready";

    private RedisUnderTest redis;
    private RedisConnection connection;
    private WebhookOutbox outbox;

    @BeforeEach
    void start() throws Exception {
        redis = RedisUnderTest.start();
        connection = redis.connection();
        outbox = outbox(Clock.systemUTC());
    }

    private WebhookOutbox outbox(Clock clock) {
        return new WebhookOutbox(connection, new JournalShards("gateway:{events}", 1), "notify:", Duration.ofMinutes(2),
                Duration.ofHours(1), clock);
    }

    @AfterEach
    void stop() throws Exception {
        redis.close();
    }

    @Test
    void should_make_the_device_due_soon_while_the_lease_holds() {
        enqueue("{\"event_id\":\"e1\"}", 1);
        WebhookOutbox.Claimed claimed = outbox.claim("sink").orElseThrow();
        assertThat(connection.client().zscore(READY, DEVICE)).isEqualTo((double) claimed.leasedUntil());

        long before = System.currentTimeMillis();
        outbox.retryIn("sink", DEVICE, claimed.leasedUntil(), Duration.ofSeconds(1));
        double due = connection.client().zscore(READY, DEVICE);
        assertThat(due).isBetween(before + 1000.0, System.currentTimeMillis() + 1000.0);
    }

    @Test
    void should_leave_another_workers_lease_alone() {
        enqueue("{\"event_id\":\"e1\"}", 1);
        WebhookOutbox.Claimed first = outbox.claim("sink").orElseThrow();
        // the first worker's last write went through but its reply was lost: the queue is empty, the device gone
        assertThat(outbox.done("sink", DEVICE, "e1", "{\"event_id\":\"e1\"}")).isEmpty();
        assertThat(connection.client().zscore(READY, DEVICE)).isNull();
        // a new event, taken by a worker of another node (its clock a second ahead: another lease for certain)
        enqueue("{\"event_id\":\"e2\"}", 2);
        WebhookOutbox otherNode = outbox(Clock.offset(Clock.systemUTC(), Duration.ofSeconds(1)));
        WebhookOutbox.Claimed second = otherNode.claim("sink").orElseThrow();
        assertThat(second.leasedUntil()).isNotEqualTo(first.leasedUntil());

        outbox.retryIn("sink", DEVICE, first.leasedUntil(), Duration.ZERO);
        assertThat(connection.client().zscore(READY, DEVICE)).isEqualTo((double) second.leasedUntil());
    }

    @Test
    void should_not_bring_back_a_device_that_left_the_ready_set() {
        enqueue("{\"event_id\":\"e1\"}", 1);
        WebhookOutbox.Claimed claimed = outbox.claim("sink").orElseThrow();
        outbox.done("sink", DEVICE, "e1", "{\"event_id\":\"e1\"}");

        outbox.retryIn("sink", DEVICE, claimed.leasedUntil(), Duration.ZERO);
        assertThat(connection.client().zscore(READY, DEVICE)).isNull();
    }

    @Test
    void should_keep_a_retry_round_the_route_scheduled() {
        enqueue("{\"event_id\":\"e1\"}", 1);
        WebhookOutbox.Claimed claimed = outbox.claim("sink").orElseThrow();
        long roundDue = System.currentTimeMillis() + 300_000;
        outbox.retryAt("sink", DEVICE, roundDue);

        outbox.retryIn("sink", DEVICE, claimed.leasedUntil(), Duration.ofSeconds(1));
        assertThat(connection.client().zscore(READY, DEVICE)).isEqualTo((double) roundDue);
    }

    private void enqueue(String body, long occurredAtMicros) {
        try (AbstractPipeline pipeline = connection.pipelined()) {
            outbox.enqueue(pipeline, "sink", DEVICE, occurredAtMicros, body);
            pipeline.sync();
        }
    }
}
