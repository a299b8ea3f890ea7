package ap3000.gateway.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import ap3000.gateway.ExternalRedis;
import ap3000.gateway.Http;
import ap3000.gateway.RunningGateway;
import ap3000.gateway.audit.AuditStore;
import ap3000.gateway.device.DeviceSocket;
import ap3000.gateway.device.TestFrames;
import ap3000.gateway.notify.WebhookOutbox;
import ap3000.gateway.notify.WebhookReceiver;
import ap3000.gateway.notify.WebhookReceiver.Request;
import ap3000.gateway.protocol.DeviceIds;
import ap3000.gateway.protocol.DnyFrame;
import ap3000.gateway.redis.RedisConnection;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.SetParams;
import redis.embedded.RedisServer;

/**
 * The real gateway with {@code gateway.events.shards=3} on one embedded Redis: devices over TCP run a whole charging
 * flow at the same time; their events spread over the three journal streams and outbox shards, every one is audited
 * and delivered to a real HTTP receiver in each device's order, also after the receiver was down and while another
 * node held one shard's fan-out lease, and each shard is trimmed once every reader is done with it.
 */
class ShardedJournalEndToEndTest {

    private static final int SHARDS = 3;
    private static final Duration WAIT = Duration.ofSeconds(40);
    /** Two devices per shard, so that every shard holds the events of more than one device. */
    private static final List<Integer> DEVICES = devicesPerShard(2);

    /** A device's flow and its start request each need a thread, all devices at once. */
    private final ExecutorService deviceThreads = Executors.newFixedThreadPool(2 * DEVICES.size());
    private WebhookReceiver receiver;
    private RunningGateway gateway;

    @AfterEach
    void stop() throws Exception {
        deviceThreads.shutdownNow();
        deviceThreads.awaitTermination(10, TimeUnit.SECONDS);
        if (gateway != null) {
            gateway.close();
        }
        if (receiver != null) {
            receiver.close();
        }
    }

    @Test
    void should_spread_the_journal_over_the_shards_and_audit_and_deliver_every_event_in_device_order()
            throws Exception {
        receiver = new WebhookReceiver();
        gateway = start(receiver.url());
        chargeAll();

        List<DeviceEvent> journal = gateway.journal();
        assertThat(journal).hasSizeGreaterThanOrEqualTo(DEVICES.size() * 10);
        JournalShards shards = gateway.bean("journalShards", JournalShards.class);
        assertThat(shards.streams()).containsExactly("gateway:{events-0}", "gateway:{events-1}", "gateway:{events-2}");
        for (int shard = 0; shard < SHARDS; shard++) {
            String stream = shards.stream(shard);
            assertThat(redis().xlen(stream)).as("XLEN " + stream).isPositive();
            // a device's events are in its shard only
            for (var entry : redis().xrange(stream, (redis.clients.jedis.StreamEntryID) null, null)) {
                assertThat(shards.shardOf(entry.getFields().get("device"))).isEqualTo(shard);
            }
        }
        // the settlements' once-keys are in their device's shard (its hash tag)
        assertThat(gateway.keys("gateway:{events-*}:once:*")).hasSize(DEVICES.size())
                .allSatisfy(key -> assertThat(key).matches("gateway:\\{events-[0-2]}:once:.*"));

        awaitDeliveredInDeviceOrder(journal);
        awaitAudited(journal);

        gateway.bean("eventJournal", EventJournal.class).trimConsumed();
        for (String stream : shards.streams()) {
            assertThat(redis().xlen(stream)).as("XLEN " + stream + " after trimming").isZero();
        }
        // sampled by the ops-monitor route: the sum over the shards comes down to 0 with its next run
        await().atMost(WAIT).until(() -> Http.text(gateway.httpPort(), "/observe/metrics").body(),
                metrics -> metrics.contains("gateway_audit_pending 0.0")
                        && metrics.contains("gateway_audit_lag_seconds 0.0"));
    }

    @Test
    void should_deliver_everything_in_device_order_after_the_receiver_was_down() throws Exception {
        receiver = new WebhookReceiver();
        int port = receiver.port();
        String url = receiver.url();
        receiver.close();
        gateway = start(url);
        chargeAll();
        List<DeviceEvent> journal = gateway.journal();

        WebhookOutbox outbox = gateway.bean("webhookOutbox", WebhookOutbox.class);
        await().atMost(WAIT).until(() -> outbox.depth("sink").get("events") == journal.size());
        assertThat(outbox.depth("sink")).containsEntry("devices", (long) DEVICES.size());
        // every outbox shard holds its devices' queues, under its own hash tag
        for (int shard = 0; shard < SHARDS; shard++) {
            assertThat(redis().zcard("notify:{sink-" + shard + "}:ready")).as("outbox shard " + shard).isEqualTo(2);
        }
        for (int device : DEVICES) {
            String id = DeviceIds.format(device);
            int shard = gateway.bean("journalShards", JournalShards.class).shardOf(id);
            assertThat(redis().zcard("notify:{sink-" + shard + "}:queue:" + id)).isPositive();
        }
        assertThat(gateway.keys("notify:{sink}:*")).isEmpty();

        receiver = new WebhookReceiver(port);
        awaitDeliveredInDeviceOrder(journal);
        await().atMost(WAIT).until(() -> outbox.depth("sink").get("events") == 0);
        assertThat(outbox.deadLetterCount()).isZero();
    }

    @Test
    void should_fan_out_each_shard_under_its_own_lease() throws Exception {
        int redisPort = RunningGateway.freePort();
        RedisServer redis = ExternalRedis.start(redisPort, Files.createTempDirectory("sharded-leases-redis"));
        try (RedisClient other = RedisClient.create("127.0.0.1", redisPort)) {
            // another node fans out shard 1
            other.set("notify:fan-out:lease:1", "other-node", SetParams.setParams().px(60_000));
            receiver = new WebhookReceiver();
            gateway = start(receiver.url(), Map.of("gateway.redis.url", "redis://127.0.0.1:" + redisPort));
            chargeAll();
            List<DeviceEvent> journal = gateway.journal();
            JournalShards shards = gateway.bean("journalShards", JournalShards.class);
            List<DeviceEvent> ofShard1 = journal.stream().filter(e -> shards.shardOf(e.deviceId()) == 1).toList();

            await().atMost(WAIT).until(() -> delivered().size() == journal.size() - ofShard1.size());
            assertThat(delivered()).doesNotContainAnyElementsOf(ofShard1.stream().map(DeviceEvent::eventId).toList());
            assertThat(other.get("notify:fan-out:lease:0")).isNotEqualTo("other-node").isNotNull();
            assertThat(other.get("notify:fan-out:lease:1")).isEqualTo("other-node");

            // the other node is gone and its lease with it: this node takes shard 1 too and delivers the rest
            other.del("notify:fan-out:lease:1");
            awaitDeliveredInDeviceOrder(journal);
            assertThat(other.get("notify:fan-out:lease:1")).isEqualTo(other.get("notify:fan-out:lease:0"));
        } finally {
            gateway.close();
            gateway = null;
            redis.stop();
        }
    }

    /** Every device connects, starts charging by the API, reports power and settles, all at once; then goes. */
    private void chargeAll() throws Exception {
        List<CompletableFuture<Void>> flows = new ArrayList<>();
        for (int device : DEVICES) {
            flows.add(CompletableFuture.runAsync(() -> Http.unchecked(() -> {
                charge(device);
                return null;
            }), deviceThreads));
        }
        CompletableFuture.allOf(flows.toArray(new CompletableFuture[0])).get(60, TimeUnit.SECONDS);
        // the last event of each device, written when its connection closed
        await().atMost(WAIT).until(() -> gateway.journal().stream().filter(e -> e.eventType().equals("device_offline"))
                .count() == DEVICES.size());
    }

    private void charge(int device) throws Exception {
        String id = DeviceIds.format(device);
        String order = orderOf(id);
        try (DeviceSocket socket = DeviceSocket.online(gateway.tcpPort(), device)) {
            socket.send(TestFrames.heartbeat(device, 2, 0, 0));
            socket.readFrame();
            CompletableFuture<Http.Answer> start = CompletableFuture.supplyAsync(() -> Http.unchecked(() ->
                    Http.post(gateway.httpPort(), "/api/v1/charging/start?view=gateway", RunningGateway.API_KEY, """
                            {"deviceId": "%s", "port": 2, "mode": 0, "value": 3600, "orderNo": "%s", "balance": 1}
                            """.formatted(id, order))), deviceThreads);
            DnyFrame command = socket.readFrame();
            socket.send(TestFrames.chargeAck(device, command.messageId(), 0, order, 2));
            assertThat(start.get(20, TimeUnit.SECONDS).data()).containsEntry("started", true);
            socket.send(TestFrames.heartbeat(device, 3, 0, 1));
            socket.readFrame();
            socket.send(TestFrames.powerHeartbeat(device, 4, 2, order, 300, 5, 1000));
            socket.send(TestFrames.powerHeartbeat(device, 5, 2, order, 600, 12, 1200));
            socket.send(TestFrames.settlement(device, 6, 2, order, 900, 20, 1400, 1));
            socket.readFrame();
        }
    }

    /** The receiver got every journal event, and each device's in the order the device's journal shard has them. */
    private void awaitDeliveredInDeviceOrder(List<DeviceEvent> journal) {
        await().atMost(WAIT).until(() -> delivered().size() == journal.size());
        for (int device : DEVICES) {
            String id = DeviceIds.format(device);
            List<String> sent = journal.stream().filter(e -> e.deviceId().equals(id)).map(DeviceEvent::eventId)
                    .toList();
            List<String> received = receiver.accepted().stream().filter(r -> id.equals(r.json().get("device_id")))
                    .map(Request::eventId).distinct().toList();
            assertThat(received).as("webhooks of device " + id).containsExactlyElementsOf(sent);
        }
    }

    private LinkedHashSet<String> delivered() {
        LinkedHashSet<String> ids = new LinkedHashSet<>();
        receiver.accepted().forEach(r -> ids.add(r.eventId()));
        return ids;
    }

    /** The audit group finished every shard, and each device's settlement and session are in the audit trail. */
    private void awaitAudited(List<DeviceEvent> journal) throws Exception {
        var auditReader = gateway.bean("auditReader", ShardedJournalReader.class);
        await().atMost(WAIT).until(() -> auditReader.backlog() == 0
                && auditReader.lagMillis(System.currentTimeMillis()) == 0);
        AuditStore store = gateway.bean("auditStore", AuditStore.class);
        for (int device : DEVICES) {
            String id = DeviceIds.format(device);
            List<String> audited = store.events(id, 0, Long.MAX_VALUE / 2, null, 1000).stream()
                    .map(e -> e.eventType()).toList();
            assertThat(audited).as("audit trail of " + id).contains("device_register", "charging_start",
                    "power_heartbeat", "settlement", "device_offline");
            assertThat(Http.get(gateway.httpPort(), "/api/v1/audit/sessions/" + orderOf(id),
                    RunningGateway.API_KEY).data()).containsEntry("state", "settled");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> counts = (Map<String, Object>) Http.get(gateway.httpPort(), "/api/v1/audit/stats",
                RunningGateway.API_KEY).data().get("counts");
        assertThat(counts).containsEntry("settlement", DEVICES.size());
        long powerSamples = journal.stream().filter(e -> e.eventType().equals("power_heartbeat")).count();
        assertThat(counts).containsEntry("power_heartbeat", (int) powerSamples);
    }

    private RunningGateway start(String receiverUrl) throws Exception {
        return start(receiverUrl, Map.of());
    }

    private RunningGateway start(String receiverUrl, Map<String, String> overrides) throws Exception {
        Map<String, String> properties = new HashMap<>();
        properties.put("gateway.events.shards", Integer.toString(SHARDS));
        properties.put("audit.flush-interval", "200ms");
        properties.put("notify.endpoints", "sink");
        properties.put("notify.endpoints.sink.url", receiverUrl);
        properties.put("notify.endpoints.sink.timeout", "2s");
        // every heartbeat is delivered, so that the receiver's list can be compared with the journal one by one
        properties.put("notify.endpoints.sink.conflate-heartbeats", "false");
        properties.put("notify.poll-interval", "20ms");
        properties.put("notify.lease", "10s");
        properties.put("notify.retry.delay-ms", "50");
        properties.put("notify.retry.redeliveries", "1");
        // short retry rounds, enough of them to outlast the receiver's outage without a dead letter
        properties.put("notify.retry.schedule", String.join(",", Collections.nCopies(100, "250ms")));
        properties.put("notify.circuit.minimum-calls", "100000");
        properties.put("notify.circuit.window", "100000");
        properties.put("gateway.downlink.ack-timeout", "2s");
        properties.putAll(overrides);
        return RunningGateway.start(properties);
    }

    /** The device's one charging order (at most 16 characters). */
    private static String orderOf(String deviceId) {
        return "SHARD" + deviceId + "01";
    }

    private UnifiedJedis redis() {
        return gateway.bean("redis", RedisConnection.class).client();
    }

    /** Device IDs, {@code count} in each shard, found by the gateway's own hash. */
    private static List<Integer> devicesPerShard(int count) {
        JournalShards shards = new JournalShards("gateway:{events}", SHARDS);
        int[] found = new int[SHARDS];
        List<Integer> devices = new ArrayList<>();
        for (int device = 0x04A70001; devices.size() < SHARDS * count; device++) {
            int shard = shards.shardOf(DeviceIds.format(device));
            if (found[shard] < count) {
                found[shard]++;
                devices.add(device);
            }
        }
        return devices;
    }
}
