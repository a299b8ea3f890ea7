package ap3000.gateway.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import ap3000.gateway.Http;
import ap3000.gateway.RunningGateway;
import ap3000.gateway.audit.AuditStore;
import ap3000.gateway.event.DeviceEvent;
import ap3000.gateway.event.EventJournal;
import ap3000.gateway.notify.WebhookReceiver;
import ap3000.gateway.redis.SettlingDevice.Ack;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.resps.StreamEntry;

/**
 * Redis under Sentinel (master, one replica, three sentinels, all real redis-server processes) while devices keep
 * settling; the master is killed with SIGKILL. The sentinels promote the replica, the gateway follows it by itself
 * and writes again, its pub/sub subscription included; with no replica left a settlement is written but not acked (gateway.redis.min-replicas-acked
 * is 1 with Sentinel); once the failed node is back as a replica, acks resume. Every settlement a device was
 * acked is in the journal exactly once, in the audit and delivered as a webhook.
 */
class SentinelFailoverEndToEndTest {

    private static final String PASSWORD = "data-node-password-for-the-test";
    private static final String SENTINEL_PASSWORD = "sentinel-password-for-the-test";
    private static final String STREAM = "gateway:{events}";
    private static final int DEVICES = 4;
    private static final String NODE = "ha-node-1";
    private static final String NODE_REQUESTS = "gateway:node:" + NODE + ":requests";

    private SentinelSet redis;
    private RunningGateway gateway;
    private WebhookReceiver receiver;
    private final AtomicBoolean stopSettling = new AtomicBoolean();
    private ExecutorService devices;

    @AfterEach
    void stop() throws Exception {
        stopSettling.set(true);
        if (devices != null) {
            devices.shutdownNow();
            devices.awaitTermination(15, TimeUnit.SECONDS);
        }
        try {
            if (gateway != null) {
                gateway.close();
            }
        } finally {
            if (receiver != null) {
                receiver.close();
            }
            if (redis != null) {
                redis.close();
            }
        }
    }

    @Test
    void should_lose_no_acked_settlement_when_the_master_is_killed_and_a_replica_takes_over() throws Exception {
        redis = SentinelSet.start(PASSWORD, SENTINEL_PASSWORD);
        receiver = new WebhookReceiver();
        Map<String, String> properties = new HashMap<>();
        properties.put("gateway.redis.sentinel.master", SentinelSet.MASTER_NAME);
        properties.put("gateway.redis.sentinel.nodes", redis.sentinelNodes());
        properties.put("gateway.redis.password", PASSWORD);
        properties.put("gateway.redis.sentinel.password", SENTINEL_PASSWORD);
        properties.put("gateway.node-id", NODE);
        properties.put("gateway.redis.timeout", "1s");
        properties.put("gateway.redis.replica-ack-timeout", "500ms");
        // entries a reader had in hand when the master died are taken up again soon
        properties.put("audit.claim-idle", "5s");
        properties.put("notify.lease", "10s");
        properties.put("notify.endpoints", "sink");
        properties.put("notify.endpoints.sink.url", receiver.url());
        properties.put("notify.endpoints.sink.event-types", "settlement");
        gateway = RunningGateway.start(properties);
        assertThat(gateway.bean("redis", RedisConnection.class).replicaAcks().replicas()).isEqualTo(1);

        ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();
        devices = Executors.newFixedThreadPool(DEVICES);
        List<Future<Integer>> settling = new ArrayList<>();
        for (int i = 0; i < DEVICES; i++) {
            int device = 0x04500001 + i;
            settling.add(devices.submit(() -> SettlingDevice.settle(gateway.tcpPort(), device, "HA", stopSettling, acks)));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> acks.size() >= 20);

        long killedAt = System.nanoTime();
        long killedAtMillis = System.currentTimeMillis();
        redis.killMaster();

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                .until(() -> redis.masterFromSentinels().getPort() == redis.replicaPort());
        long promotedAfter = System.nanoTime() - killedAt;
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> newestEntryMillis(redis.replicaPort()) >= killedAtMillis);
        long writingAfter = System.nanoTime() - killedAt;
        // the node's subscription for requests forwarded by other nodes is back, on the new master
        await().atMost(Duration.ofSeconds(10)).until(() -> subscribers(redis.replicaPort(), NODE_REQUESTS) == 1);

        // the promoted master has no replica: settlements reach it, and are not acked
        long noReplicaFrom = System.nanoTime();
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3))
                .until(() -> acks.stream().noneMatch(ack -> ack.atNanos() > noReplicaFrom));
        assertThat(gateway.bean("eventJournal", EventJournal.class).unreplicatedCount()).isPositive();

        redis.restartOldMasterAsReplicaOf(redis.replicaPort());
        long rejoinedAt = System.nanoTime();
        int ackedBefore = acks.size();
        await().atMost(Duration.ofSeconds(30)).until(() -> acks.size() >= ackedBefore + 3 * DEVICES);
        long ackingAfter = System.nanoTime() - rejoinedAt;
        System.out.printf("Sentinel failover: replica promoted %d ms after the kill, the gateway writing to it after "
                + "%d ms; settlements acked again %d ms after a replica was back; %d settlements acked%n",
                promotedAfter / 1_000_000, writingAfter / 1_000_000, ackingAfter / 1_000_000, acks.size());
        assertThat(Duration.ofNanos(writingAfter)).isLessThan(Duration.ofSeconds(30));

        stopSettling.set(true);
        int retransmissions = 0;
        for (Future<Integer> device : settling) {
            retransmissions += device.get(30, TimeUnit.SECONDS);
        }
        assertThat(retransmissions).as("settlements the gateway did not ack and the device sent again").isPositive();

        // every acked settlement exactly once in the journal: no loss, and retransmissions deduplicated
        Map<String, Long> journaled = gateway.journal().stream().filter(e -> e.eventType().equals("settlement"))
                .collect(Collectors.groupingBy(SentinelFailoverEndToEndTest::order, Collectors.counting()));
        List<String> acked = acks.stream().map(Ack::order).toList();
        assertThat(acked).doesNotHaveDuplicates();
        assertThat(journaled).containsOnlyKeys(acked);
        assertThat(journaled.values()).containsOnly(1L);

        AuditStore audit = gateway.bean("auditStore", AuditStore.class);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(audited(audit))
                .containsExactlyInAnyOrderElementsOf(acked));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(delivered())
                .containsAll(acked));
    }

    @Test
    void should_move_the_node_subscription_to_the_new_master_when_the_old_one_is_demoted_alive() throws Exception {
        redis = SentinelSet.start(PASSWORD, SENTINEL_PASSWORD);
        gateway = RunningGateway.start(Map.of("gateway.redis.sentinel.master", SentinelSet.MASTER_NAME,
                "gateway.redis.sentinel.nodes", redis.sentinelNodes(), "gateway.redis.password", PASSWORD,
                "gateway.redis.sentinel.password", SENTINEL_PASSWORD, "gateway.node-id", NODE));
        await().atMost(Duration.ofSeconds(10)).until(() -> subscribers(redis.masterPort(), NODE_REQUESTS) == 1);

        // the old master lives on as a replica: nothing breaks the subscription it holds but the gateway itself
        redis.failover();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                .until(() -> redis.masterFromSentinels().getPort() == redis.replicaPort());

        await().atMost(Duration.ofSeconds(10)).until(() -> subscribers(redis.replicaPort(), NODE_REQUESTS) == 1
                && subscribers(redis.masterPort(), NODE_REQUESTS) == 0);
        assertThat(gateway.bean("redis", RedisConnection.class).currentMaster().getPort())
                .isEqualTo(redis.replicaPort());
        // the health check shows where the master is now, never a password
        String health = Http.text(gateway.httpPort(), "/observe/health?exposureLevel=full&data=true").body();
        assertThat(health).contains("redis-sentinel:", SentinelSet.MASTER_NAME + "@",
                "\"master\":\"127.0.0.1:" + redis.replicaPort() + "\"").doesNotContain(PASSWORD, SENTINEL_PASSWORD);
    }


    private long newestEntryMillis(int port) {
        try (Jedis jedis = redis.dataNode(port)) {
            List<StreamEntry> newest = jedis.xrevrange(STREAM, (StreamEntryID) null, null, 1);
            return newest.isEmpty() ? 0 : newest.get(0).getID().getTime();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private long subscribers(int port, String channel) {
        try (Jedis jedis = redis.dataNode(port)) {
            return jedis.pubsubNumSub(channel).getOrDefault(channel, 0L);
        }
    }

    private List<String> audited(AuditStore audit) {
        List<String> orders = new ArrayList<>();
        for (int i = 0; i < DEVICES; i++) {
            orders.addAll(audit.events(String.format("%08X", 0x04500001 + i), 0, Long.MAX_VALUE, "settlement", 1000)
                    .stream().map(SentinelFailoverEndToEndTest::order).toList());
        }
        return orders;
    }

    private List<String> delivered() {
        Function<WebhookReceiver.Request, String> order = request -> {
            int at = request.body().indexOf("HA0450");
            return at < 0 ? "" : request.body().substring(at, at + 16);
        };
        return receiver.accepted().stream().map(order).distinct().toList();
    }

    private static String order(DeviceEvent event) {
        return String.valueOf(event.data().get("order_id"));
    }

}
