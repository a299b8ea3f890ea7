package ap3000.gateway.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import ap3000.gateway.Http;
import ap3000.gateway.RunningGateway;
import ap3000.gateway.audit.AuditStore;
import ap3000.gateway.device.DeviceOwnership;
import ap3000.gateway.device.DeviceSocket;
import ap3000.gateway.device.TestFrames;
import ap3000.gateway.event.DeviceEvent;
import ap3000.gateway.event.EventJournal;
import ap3000.gateway.event.JournalShards;
import ap3000.gateway.notify.WebhookReceiver;
import ap3000.gateway.protocol.DnyFrame;
import ap3000.gateway.redis.SettlingDevice.Ack;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.resps.StreamEntry;

/**
 * A Redis Cluster of three masters with a replica each (real redis-server processes) under two gateway nodes while
 * devices keep settling, one per journal shard. First a master is killed with SIGKILL: the one holding node B's
 * request channel, and with it a journal shard; the cluster promotes its replica and the gateway writes to it again
 * by itself, its subscription, consumer groups and webhook lease included. Then a journal shard's slot is migrated
 * to another master while settlements flow. Every settlement a device was acked is in the journal exactly once
 * (retransmissions deduplicated), in the audit and delivered as a webhook.
 */
class ClusterFailoverEndToEndTest {

    private static final String PASSWORD = "cluster-failover-password-for-the-test";
    private static final String CLUSTER_SECRET = "cluster-failover-secret-of-32-characters-or-more";
    private static final JournalShards SHARDS = new JournalShards("gateway:{events}", 3);
    private static final String NODE_A = "failover-node-a";
    private static final String NODE_B = "failover-node-b";
    private static final String NODE_B_REQUESTS = "gateway:node:" + NODE_B + ":requests";
    /** The device on node B that node A's API starts, after the failover. */
    private static final int REMOTE_DEVICE = 0x04930001;
    private static final Duration WAIT = Duration.ofSeconds(30);

    private RedisClusterSet cluster;
    private WebhookReceiver receiver;
    private RunningGateway nodeA;
    private RunningGateway nodeB;
    private final AtomicBoolean stopSettling = new AtomicBoolean();
    private final ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();
    private final Map<Integer, Future<Integer>> settling = new HashMap<>();
    private ExecutorService devices;

    @AfterEach
    void stop() throws Exception {
        stopSettling.set(true);
        if (devices != null) {
            devices.shutdownNow();
            devices.awaitTermination(15, TimeUnit.SECONDS);
        }
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

    @Test
    void should_write_again_and_lose_no_acked_settlement_when_a_master_is_killed() throws Exception {
        startCluster();
        // the master of node B's request channel's slot carries a journal shard too: one kill covers both
        int killed = cluster.masterPortOf(NODE_B_REQUESTS, cluster.masterPorts()[0]);
        int alive = alivePort(killed);
        String killedStream = SHARDS.streams().stream()
                .filter(stream -> cluster.masterPortOf(stream, alive) == killed).findFirst().orElseThrow();
        int killedShardDevice = deviceOf(killedStream);
        await().atMost(WAIT).until(() -> subscribers(killed, NODE_B_REQUESTS) == 1);
        startSettling();
        await().atMost(WAIT).until(() -> acks.stream().filter(a -> a.device() == killedShardDevice).count() >= 5);

        EventJournal journal = nodeA.bean("eventJournal", EventJournal.class);
        long refusedBeforeKill = journal.unreplicatedCount();
        long killedAt = System.nanoTime();
        long killedAtMillis = System.currentTimeMillis();
        cluster.killMaster(killed);

        await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                .until(() -> cluster.masterPortOf(killedStream, alive) != killed);
        long promotedAt = System.nanoTime();
        // written again: a new entry on the promoted master, or, when the device is resending a settlement that
        // reached the replica before the kill (its once-key makes that no new entry), the promoted master answering
        // the write and its WAIT (no replica yet: not acked). The other shards' masters have their replicas.
        await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                .until(() -> journal.unreplicatedCount() > refusedBeforeKill || newestEntryMillis(
                        cluster.masterPortOf(killedStream, alive), killedStream) >= killedAtMillis);
        long writingAfter = System.nanoTime() - killedAt;
        int promoted = cluster.masterPortOf(killedStream, alive);
        // whether the promoted replica has the gateway's Lua scripts depends on timing; flushed, it surely has none:
        // the audit's EVALSHA there answers NOSCRIPT, and the gateway must load them on it (not on the dead master)
        try (Jedis node = cluster.node(promoted)) {
            node.scriptFlush();
        }
        // the other shards, whose masters have their replicas, are acked again once the cluster is whole
        await().atMost(WAIT).until(() -> acks.stream()
                .anyMatch(a -> a.atNanos() > promotedAt && a.device() != killedShardDevice));
        long othersAckedAfter = acks.stream().filter(a -> a.atNanos() > promotedAt && a.device() != killedShardDevice)
                .mapToLong(Ack::atNanos).min().orElseThrow() - killedAt;
        // node B's subscription is back, on the promoted master
        await().atMost(WAIT).until(() -> subscribers(promoted, NODE_B_REQUESTS) == 1);
        long subscribedAfter = System.nanoTime() - killedAt;

        // the promoted master has no replica until the killed node is back as one: then its shard is acked again
        long restartedAt = System.nanoTime();
        cluster.restartAsReplica(killed);
        await().atMost(WAIT).until(() -> acks.stream()
                .filter(a -> a.device() == killedShardDevice && a.atNanos() > restartedAt).count() >= 3);
        long ackedAfter = acks.stream().filter(a -> a.device() == killedShardDevice && a.atNanos() > restartedAt)
                .mapToLong(Ack::atNanos).min().orElseThrow() - restartedAt;
        System.out.printf("Cluster failover: replica promoted %d ms after the kill, the gateway writing the shard to "
                + "it after %d ms, the other shards acked again after %d ms, node B subscribed on the promoted master"
                + " after %d ms; the shard acked again %d ms after its old master was started again as a replica%n",
                (promotedAt - killedAt) / 1_000_000, writingAfter / 1_000_000, othersAckedAfter / 1_000_000,
                subscribedAfter / 1_000_000, ackedAfter / 1_000_000);
        assertThat(Duration.ofNanos(writingAfter)).isLessThan(Duration.ofSeconds(30));
        assertThat(Duration.ofNanos(othersAckedAfter)).isLessThan(Duration.ofSeconds(30));

        // a start through node A for a device on node B still answers: request and reply cross the cluster's pub/sub
        assertRemoteStartAnswers();
        int retransmissions = stopSettlingAndCount();
        System.out.printf("Cluster failover: %d settlements acked, %d retransmissions%n", acks.size(),
                retransmissions);
        assertNothingAckedLost();
        // the audit goes on: a settlement acked after the failover has its session
        Ack late = acks.stream().filter(a -> a.device() == killedShardDevice).reduce((a, b) -> b).orElseThrow();
        await().atMost(WAIT).until(() -> Http.get(nodeA.httpPort(), "/api/v1/audit/sessions/" + late.order(),
                RunningGateway.API_KEY).data(), s -> s != null && "settled".equals(s.get("state")));
    }

    @Test
    void should_keep_acking_while_a_journal_shards_slot_migrates_to_another_master() throws Exception {
        startCluster();
        String stream = SHARDS.stream(0);
        int from = cluster.masterPortOf(stream, cluster.masterPorts()[0]);
        int to = alivePort(from);
        int device = deviceOf(stream);
        startSettling();
        await().atMost(WAIT).until(() -> acks.stream().filter(a -> a.device() == device).count() >= 5);

        long migratingAt = System.nanoTime();
        cluster.migrateSlotOf(stream, from, to);
        long migratedAfter = System.nanoTime() - migratingAt;
        long migratedAt = System.nanoTime();
        await().atMost(WAIT).until(() -> acks.stream()
                .filter(a -> a.device() == device && a.atNanos() > migratedAt).count() >= 3);
        long ackedAfter = acks.stream().filter(a -> a.device() == device && a.atNanos() > migratedAt)
                .mapToLong(Ack::atNanos).min().orElseThrow() - migratedAt;

        assertRemoteStartAnswers();
        int retransmissions = stopSettlingAndCount();
        System.out.printf("Cluster slot migration: the slot of %s moved in %d ms, its device acked again %d ms "
                + "after; %d settlements acked, %d retransmissions%n", stream, migratedAfter / 1_000_000,
                ackedAfter / 1_000_000, acks.size(), retransmissions);
        // the stream is on the target now, read there directly (the source would answer MOVED)
        try (Jedis target = cluster.node(to)) {
            List<StreamEntry> entries = target.xrange(stream, (StreamEntryID) null, null);
            assertThat(entries).extracting(e -> e.getFields().get("event")).anyMatch(e -> e.contains(
                    acks.stream().filter(a -> a.device() == device).reduce((a, b) -> b).orElseThrow().order()));
        }
        assertThat(cluster.masterPortOf(stream, from)).isEqualTo(to);
        assertNothingAckedLost();
    }

    /**
     * One journal writer, so that settlements of different shards share its pipelines: each is judged by the WAIT on
     * its own shard's master, and the shard whose master lost its replica holds none of the others back.
     */
    @Test
    void should_ack_the_other_shards_settlements_while_one_shards_master_has_no_replica() throws Exception {
        cluster = RedisClusterSet.start(PASSWORD);
        receiver = new WebhookReceiver();
        Map<String, String> properties = node(NODE_A);
        properties.put("gateway.events.writers", "1");
        nodeA = RunningGateway.start(properties);
        String unreplicated = SHARDS.stream(0);
        cluster.killReplicaOf(cluster.masterPortOf(unreplicated, cluster.masterPorts()[0]));
        startSettling();
        int unackedDevice = deviceOf(unreplicated);

        await().atMost(WAIT).until(() -> acks.size() >= 60);
        stopSettling.set(true);
        int retransmissions = 0;
        for (String stream : SHARDS.streams()) {
            if (!stream.equals(unreplicated)) {
                retransmissions += settling.get(deviceOf(stream)).get(60, TimeUnit.SECONDS);
            }
        }
        System.out.printf("One shard's master without replica: %d settlements of the other shards acked, %d of "
                + "them sent again; %d batches refused for too few replicas%n", acks.size(), retransmissions,
                nodeA.bean("eventJournal", EventJournal.class).unreplicatedCount());
        assertThat(acks).noneMatch(ack -> ack.device() == unackedDevice);
        assertThat(retransmissions).as("settlements of healthy shards sent again").isZero();
        assertThat(nodeA.bean("eventJournal", EventJournal.class).unreplicatedCount())
                .isPositive();
    }

    private void startCluster() throws Exception {
        cluster = RedisClusterSet.start(PASSWORD);
        receiver = new WebhookReceiver();
        nodeA = RunningGateway.start(node(NODE_A));
        nodeB = RunningGateway.start(node(NODE_B));
        assertThat(SHARDS.streams().stream().map(cluster::masterOf).collect(Collectors.toSet())).hasSize(3);
    }

    private Map<String, String> node(String id) {
        Map<String, String> properties = cluster.gatewayProperties(SHARDS.count());
        properties.put("gateway.node-id", id);
        properties.put("gateway.cluster.secret", CLUSTER_SECRET);
        properties.put("gateway.redis.timeout", "1s");
        properties.put("gateway.redis.replica-ack-timeout", "500ms");
        properties.put("gateway.downlink.ack-timeout", "2s");
        properties.put("gateway.downlink.answer-margin", "3s");
        // entries a reader had in hand when a master died are taken up again soon
        properties.put("audit.claim-idle", "5s");
        properties.put("audit.flush-interval", "100ms");
        properties.put("notify.lease", "10s");
        properties.put("notify.endpoints", "sink");
        properties.put("notify.endpoints.sink.url", receiver.url());
        properties.put("notify.endpoints.sink.event-types", "settlement");
        return properties;
    }

    private int alivePort(int except) {
        for (int port : cluster.masterPorts()) {
            if (port != except) {
                return port;
            }
        }
        throw new IllegalStateException("one master only");
    }

    /** A settling device of this shard: the first ID from 0x04920001 on that the shard takes. */
    private static int deviceOf(String stream) {
        for (int device = 0x04920001; ; device++) {
            if (SHARDS.streamOf(String.format("%08X", device)).equals(stream)) {
                return device;
            }
        }
    }

    /** One device per journal shard, on node A, settling without pause. */
    private void startSettling() {
        devices = Executors.newFixedThreadPool(SHARDS.count());
        for (String stream : SHARDS.streams()) {
            int device = deviceOf(stream);
            settling.put(device, devices.submit(() -> SettlingDevice.settle(nodeA.tcpPort(), device, "CF", stopSettling, acks)));
        }
    }

    private int stopSettlingAndCount() throws Exception {
        stopSettling.set(true);
        int retransmissions = 0;
        for (Future<Integer> device : settling.values()) {
            retransmissions += device.get(60, TimeUnit.SECONDS);
        }
        return retransmissions;
    }


    /** Node A's API starts charging on a device held by node B: forwarded over pub/sub, answered the same way. */
    private void assertRemoteStartAnswers() throws Exception {
        try (DeviceSocket socket = DeviceSocket.online(nodeB.tcpPort(), REMOTE_DEVICE)) {
            DeviceOwnership ownership = nodeA.bean("deviceOwnership", DeviceOwnership.class);
            await().atMost(WAIT).ignoreExceptions()
                    .until(() -> ownership.ownerOf(REMOTE_DEVICE).orElse("").equals(NODE_B));
            String order = "CF_REMOTE_" + System.nanoTime() % 1_000_000;
            CompletableFuture<Http.Answer> started = CompletableFuture.supplyAsync(() -> Http.unchecked(() ->
                    Http.post(nodeA.httpPort(), "/api/v1/charging/start?view=gateway", RunningGateway.API_KEY, """
                            {"deviceId": "%08X", "port": 1, "mode": 0, "value": 3600, "orderNo": "%s", \
                            "balance": 1000}
                            """.formatted(REMOTE_DEVICE, order))));
            DnyFrame command = socket.readFrame();
            assertThat(command.command()).isEqualTo(0x82);
            socket.send(TestFrames.chargeAck(REMOTE_DEVICE, command.messageId(), 0, order, 1));
            Http.Answer answer = started.get(30, TimeUnit.SECONDS);
            assertThat(answer.status()).as(String.valueOf(answer.data())).isEqualTo(200);
            assertThat(answer.data()).containsEntry("started", true);
        }
    }

    /**
     * Every acked settlement exactly once in the journal (retransmissions deduplicated by its once-key), in the
     * audit, and delivered to the webhook receiver.
     */
    private void assertNothingAckedLost() {
        Map<String, Long> journaled = nodeA.journal().stream().filter(e -> e.eventType().equals("settlement"))
                .collect(Collectors.groupingBy(ClusterFailoverEndToEndTest::order, Collectors.counting()));
        List<String> acked = acks.stream().map(Ack::order).toList();
        assertThat(acked).doesNotHaveDuplicates();
        assertThat(journaled).containsOnlyKeys(acked);
        assertThat(journaled.values()).containsOnly(1L);

        AuditStore audit = nodeA.bean("auditStore", AuditStore.class);
        await().atMost(WAIT).untilAsserted(() -> assertThat(audited(audit)).containsExactlyInAnyOrderElementsOf(acked));
        await().atMost(WAIT).untilAsserted(() -> assertThat(delivered()).containsAll(acked));
        assertThat(receiver.violations()).isEmpty();
    }

    private List<String> audited(AuditStore audit) {
        List<String> orders = new ArrayList<>();
        for (String stream : SHARDS.streams()) {
            orders.addAll(audit.events(String.format("%08X", deviceOf(stream)), 0, Long.MAX_VALUE, "settlement",
                    10_000).stream().map(ClusterFailoverEndToEndTest::order).toList());
        }
        return orders;
    }

    private List<String> delivered() {
        return receiver.accepted().stream().map(request -> {
            int at = request.body().indexOf("CF0492");
            return at < 0 ? "" : request.body().substring(at, at + 16);
        }).distinct().toList();
    }

    private long newestEntryMillis(int port, String stream) {
        try (Jedis jedis = cluster.node(port)) {
            List<StreamEntry> newest = jedis.xrevrange(stream, (StreamEntryID) null, null, 1);
            return newest.isEmpty() ? 0 : newest.get(0).getID().getTime();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private long subscribers(int port, String channel) {
        try (Jedis jedis = cluster.node(port)) {
            return jedis.pubsubNumSub(channel).getOrDefault(channel, 0L);
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private static String order(DeviceEvent event) {
        return String.valueOf(event.data().get("order_id"));
    }

}
