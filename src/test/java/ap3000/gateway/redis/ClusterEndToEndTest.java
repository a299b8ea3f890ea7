package ap3000.gateway.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import ap3000.gateway.Http;
import ap3000.gateway.RunningGateway;
import ap3000.gateway.audit.HeartbeatSummaries;
import ap3000.gateway.device.DeviceOwnership;
import ap3000.gateway.device.DeviceSocket;
import ap3000.gateway.device.TestFrames;
import ap3000.gateway.event.EventJournal;
import ap3000.gateway.event.JournalShards;
import ap3000.gateway.notify.WebhookReceiver;
import ap3000.gateway.protocol.DnyFrame;
import ap3000.gateway.protocol.ServerCommands;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.UnifiedJedis;

/**
 * Two gateway nodes on a Redis Cluster of three masters (each with a replica, all real redis-server processes): a
 * device on node B charges through a start sent to node A's API (forwarded over the cluster's pub/sub), its
 * settlement is acked once a replica of the journal's master has it, the webhooks arrive and node A's audit API
 * answers every query. Every script and transaction kept to one slot: the audit counters, the heartbeat summaries
 * and the outbox are all written (a CROSSSLOT would leave them missing), and nothing waits in memory for Redis.
 * Last, with the replica of the journal's master killed, a settlement is written but not acked.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterEndToEndTest {

    private static final String PASSWORD = "cluster-node-password-for-the-test";
    private static final String CLUSTER_SECRET = "cluster-test-cluster-secret-of-32-characters-or-more";
    /** Three shards, as on three masters: the journal and the outbox spread over them. */
    private static final JournalShards SHARDS = new JournalShards("gateway:{events}", 3);
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final int DEVICE = 0x04910001;
    private static final String DEVICE_ID = "04910001";
    /** The journal shard of the test's device. */
    private static final String STREAM = SHARDS.streamOf(DEVICE_ID);
    private static final String ORDER = "CLUSTER_ORDER_01";

    private static RedisClusterSet cluster;
    private static WebhookReceiver receiver;
    private static RunningGateway nodeA;
    private static RunningGateway nodeB;
    private static DnyFrame settlement;

    @BeforeAll
    static void start() throws Exception {
        cluster = RedisClusterSet.start(PASSWORD);
        receiver = new WebhookReceiver();
        nodeA = RunningGateway.start(node("cluster-node-a"));
        nodeB = RunningGateway.start(node("cluster-node-b"));
        charge();
    }

    private static Map<String, String> node(String id) {
        Map<String, String> properties = cluster.gatewayProperties(SHARDS.count());
        properties.put("gateway.node-id", id);
        properties.put("gateway.cluster.secret", CLUSTER_SECRET);
        properties.put("gateway.downlink.ack-timeout", "1s");
        properties.put("gateway.downlink.answer-margin", "3s");
        properties.put("audit.flush-interval", "100ms");
        properties.put("audit.frames.flush-interval", "100ms");
        properties.put("audit.heartbeats.flush-interval", "200ms");
        properties.put("notify.endpoints", "sink");
        properties.put("notify.endpoints.sink.url", receiver.url());
        properties.put("notify.endpoints.sink.event-types", "device_register,charging_start,settlement");
        return properties;
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            for (RunningGateway node : new RunningGateway[] {nodeB, nodeA}) {
                if (node != null) {
                    node.close();
                }
            }
        } finally {
            if (receiver != null) {
                receiver.close();
            }
            if (cluster != null) {
                cluster.close();
            }
        }
    }

    /**
     * The device on node B: register, heartbeat, a start through node A's API, power samples, the settlement (acked
     * only after WAIT on the journal's master confirmed its replica has the entry).
     */
    private static void charge() throws Exception {
        settlement = TestFrames.settlement(DEVICE, 0x0405, 1, ORDER, 185, 3, 2100, 1);
        try (DeviceSocket socket = new DeviceSocket(nodeB.tcpPort())) {
            socket.send(TestFrames.iccid());
            socket.send(TestFrames.register(DEVICE, 1));
            socket.readFrame();
            DeviceOwnership ownership = nodeA.bean("deviceOwnership", DeviceOwnership.class);
            await().atMost(WAIT).until(() -> ownership.ownerOf(DEVICE).orElse("").equals("cluster-node-b"));
            socket.send(TestFrames.heartbeat(DEVICE, 0x0401, 0, 0));
            socket.readFrame();

            CompletableFuture<Http.Answer> started = CompletableFuture.supplyAsync(() -> Http.unchecked(() ->
                    Http.post(nodeA.httpPort(), "/api/v1/charging/start?view=gateway", RunningGateway.API_KEY, """
                            {"deviceId": "%s", "port": 1, "mode": 0, "value": 3600, "orderNo": "%s", "balance": 1000}
                            """.formatted(DEVICE_ID, ORDER))));
            DnyFrame command = socket.readFrame();
            assertThat(command.command()).isEqualTo(0x82);
            socket.send(TestFrames.chargeAck(DEVICE, command.messageId(), 0, ORDER, 1));
            assertThat(started.get().status()).isEqualTo(200);
            assertThat(started.get().data()).containsEntry("started", true);

            socket.send(TestFrames.powerHeartbeat(DEVICE, 0x0402, 1, ORDER, 60, 1, 1500));
            socket.send(TestFrames.powerHeartbeat(DEVICE, 0x0403, 1, ORDER, 120, 2, 1800));
            // both nodes audit from one consumer group, in parallel: a settlement audited by one node while the
            // other still writes the last power sample could be overwritten in the session by that sample
            await().atMost(WAIT).until(() -> Http.get(nodeA.httpPort(), "/api/v1/audit/sessions/" + ORDER,
                    RunningGateway.API_KEY).data(), s -> s != null && Integer.valueOf(2).equals(
                            s.get("power_samples")));
            socket.send(settlement);
            assertThat(socket.readFrameHex()).isEqualTo(ServerCommands.ok(settlement).toHex());
        }
    }

    @Test
    @Order(1)
    void should_run_a_charging_flow_across_two_nodes_with_webhooks_and_the_audit_answering() throws Exception {
        assertThat(nodeA.bean("redis", RedisConnection.class).replicaAcks().replicas()).isEqualTo(1);
        await().atMost(WAIT).untilAsserted(() -> assertThat(receiver.accepted().stream()
                .filter(r -> r.body().contains(DEVICE_ID)).map(WebhookReceiver.Request::eventType).distinct())
                .contains("device_register", "charging_start", "settlement"));
        assertThat(receiver.violations()).isEmpty();

        Map<String, Object> session = await().atMost(WAIT).until(() -> Http.get(nodeA.httpPort(),
                "/api/v1/audit/sessions/" + ORDER, RunningGateway.API_KEY).data(),
                s -> s != null && "settled".equals(s.get("state")));
        assertThat(session).containsEntry("power_samples", 2);
        await().atMost(WAIT).untilAsserted(() -> {
            Http.Answer events = audit("/events");
            assertThat(events.status()).isEqualTo(200);
            assertThat(events.data().toString()).contains("device_register", "charging_start", "settlement");
            Http.Answer frames = audit("/frames");
            assertThat(frames.status()).isEqualTo(200);
            assertThat(frames.data().toString()).contains(settlement.toHex());
            Http.Answer heartbeats = audit("/heartbeats");
            assertThat(heartbeats.status()).isEqualTo(200);
            assertThat((List<?>) heartbeats.data().get("hours")).isNotEmpty();
        });
        // counted as the audit acknowledged its entries (the counters live in other slots than the journal)
        await().atMost(WAIT).untilAsserted(() -> assertThat(counts())
                .containsEntry("settlement", 1).containsEntry("power_heartbeat", 2));

        for (RunningGateway node : List.of(nodeA, nodeB)) {
            EventJournal journal = node.bean("eventJournal", EventJournal.class);
            assertThat(journal.backlogSize()).isZero();
            assertThat(journal.unreplicatedCount()).isZero();
            assertThat(node.bean("heartbeatSummaries", HeartbeatSummaries.class).pendingHours()).isZero();
        }
        assertThat(nodeA.journal(DEVICE_ID)).extracting(e -> e.eventType()).containsOnlyOnce("settlement");
    }

    @Test
    @Order(2)
    void should_keep_each_group_of_keys_on_the_master_of_its_hash_tag() {
        String day = LocalDate.now(ZoneOffset.UTC).format(DateTimeFormatter.BASIC_ISO_DATE);
        Map<String, String> keys = Map.of(
                "journal", STREAM,
                "outbox ready set", "notify:{sink" + SHARDS.tagSuffix(SHARDS.shardOf(DEVICE_ID)) + "}:ready",
                "outbox tries", "notify:{sink" + SHARDS.tagSuffix(SHARDS.shardOf(DEVICE_ID)) + "}:tries",
                "audit timeline", "audit:events:" + DEVICE_ID + ":" + day,
                "heartbeat summary", "audit:heartbeats:" + DEVICE_ID + ":" + day,
                "session", "audit:session:" + ORDER);
        Map<String, String> masters = keys.entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> cluster.masterOf(e.getValue())));
        System.out.println("Masters holding the gateway's keys: " + masters);
        Set<String> all = Set.of(Arrays.stream(cluster.masterPorts()).mapToObj(p -> "127.0.0.1:" + p)
                .toArray(String[]::new));
        assertThat(all).containsAll(masters.values());
        // the journal's three shards on three masters: each takes a third of the devices' writes
        assertThat(SHARDS.streams().stream().map(cluster::masterOf).collect(Collectors.toSet())).hasSize(3);
        // the outbox keys of one endpoint's shard share its {sink-i} tag
        assertThat(masters.get("outbox tries")).isEqualTo(masters.get("outbox ready set"));
        // the journal is on its master indeed, read there directly (another node would answer MOVED), and the
        // settlement's dedupe key beside it, by the shard's {events-i} tag: the append script needs both
        int journalPort = Integer.parseInt(masters.get("journal").split(":")[1]);
        try (Jedis master = cluster.node(journalPort)) {
            assertThat(master.xlen(STREAM)).isPositive();
            assertThat(master.keys(STREAM + ":once:*")).hasSize(1);
        }
        UnifiedJedis redis = nodeA.bean("redis", RedisConnection.class).client();
        assertThat(redis.exists("audit:session:" + ORDER)).isTrue();
        assertThat(redis.exists("audit:events:" + DEVICE_ID + ":" + day)).isTrue();
    }

    @Test
    @Order(3)
    void should_be_ready_and_name_the_cluster_without_its_password() throws Exception {
        Http.Text ready = Http.text(nodeA.httpPort(), "/observe/health/ready?exposureLevel=full&data=true");

        assertThat(ready.status()).isEqualTo(200);
        assertThat(ready.body()).contains("redis-cluster:").doesNotContain(PASSWORD);
    }

    /** Last: it takes the journal master's replica away for good. */
    @Test
    @Order(4)
    void should_not_ack_a_settlement_while_the_journals_master_has_no_replica() throws Exception {
        cluster.killReplicaOf(Integer.parseInt(cluster.masterOf(SHARDS.streamOf("04910002")).split(":")[1]));
        int device = 0x04910002;
        DnyFrame unreplicated = TestFrames.settlement(device, 0x0501, 2, "CLUSTER_ORDER_02", 60, 1, 900, 1);
        try (DeviceSocket socket = DeviceSocket.online(nodeA.tcpPort(), device)) {
            // written, but WAIT on the journal's master finds no replica: no ack, the next frame back answers the
            // time request
            socket.send(unreplicated);
            socket.send(TestFrames.timeRequest(device, 0x0502));
            assertThat(socket.readFrame().command()).isEqualTo(0x22);
        }
        assertThat(nodeA.bean("eventJournal", EventJournal.class).unreplicatedCount()).isEqualTo(1);
        assertThat(nodeA.journal("04910002")).extracting(e -> e.eventType()).containsOnlyOnce("settlement");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> counts() throws Exception {
        return (Map<String, Object>) Http.get(nodeA.httpPort(), "/api/v1/audit/stats", RunningGateway.API_KEY).data()
                .get("counts");
    }

    private static Http.Answer audit(String path) throws Exception {
        return Http.get(nodeA.httpPort(), "/api/v1/audit/devices/" + DEVICE_ID + path, RunningGateway.API_KEY);
    }
}
