package ap3000.gateway.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import ap3000.gateway.ExternalRedis;
import ap3000.gateway.RunningGateway;
import ap3000.gateway.device.DeviceSocket;
import ap3000.gateway.device.TestFrames;
import ap3000.gateway.event.DeviceEvent;
import ap3000.gateway.event.ShardedJournalReader;
import redis.clients.jedis.RedisClient;
import redis.embedded.RedisServer;

/** What happens to audit batches when things go wrong: nothing is lost and nothing is written twice. */
class AuditRecoveryEndToEndTest {

    private RedisServer redis;
    private RedisClient client;
    private String url;

    @BeforeEach
    void startRedis() throws Exception {
        int port = RunningGateway.freePort();
        redis = ExternalRedis.start(port, Files.createTempDirectory("audit-redis"));
        url = "redis://127.0.0.1:" + port;
        client = RedisClient.create("127.0.0.1", port);
    }

    @AfterEach
    void stopRedis() throws Exception {
        client.close();
        redis.stop();
    }

    @Test
    void should_finish_the_batch_of_a_gateway_stopped_in_the_middle_of_it_on_another_gateway() throws Exception {
        int device = 0x04600001;
        // a batch that never completes on its own: 1000 events or one hour
        RunningGateway first = RunningGateway.start(Map.of("gateway.redis.url", url, "gateway.node-id", "node-a",
                "audit.batch-size", "1000", "audit.flush-interval", "1h", "gateway.shutdown-timeout", "1s"));
        try (DeviceSocket socket = new DeviceSocket(first.tcpPort())) {
            socket.send(TestFrames.register(device, 1));
            socket.readFrame();
            socket.send(TestFrames.heartbeat(device, 2, 0));
            socket.readFrame();
        }
        // node-a's reader has taken the entries (they are pending for it) but will never write them
        await().atMost(Duration.ofSeconds(10)).until(() -> pending() == 5);
        first.close();

        try (RunningGateway second = RunningGateway.start(Map.of("gateway.redis.url", url,
                "gateway.node-id", "node-b", "audit.claim-idle", "1s", "audit.flush-interval", "100ms"))) {
            AuditStore store = second.bean("auditStore", AuditStore.class);
            await().atMost(Duration.ofSeconds(15)).until(() -> store.events("04600001", 0, Long.MAX_VALUE / 2,
                    null, 100).size() == 5);
            assertThat(store.events("04600001", 0, Long.MAX_VALUE / 2, null, 100)).extracting(DeviceEvent::eventType)
                    .containsExactly("device_online", "device_register", "device_heartbeat", "port_heartbeat",
                            "device_offline");
            await().atMost(Duration.ofSeconds(10)).until(() -> pending() == 0);
            // read by node-a, claimed and finished by node-b: counted once
            assertThat(store.countsByType(1)).containsEntry("device_online", 1L).containsEntry("device_register", 1L)
                    .containsEntry("device_heartbeat", 1L).containsEntry("port_heartbeat", 1L)
                    .containsEntry("device_offline", 1L);
        }
    }

    @Test
    void should_move_a_batch_that_keeps_failing_to_the_dead_letters_and_go_on() throws Exception {
        int device = 0x04600002;
        String day = LocalDate.now(ZoneOffset.UTC).format(DateTimeFormatter.BASIC_ISO_DATE);
        // the device's timeline key holds a string: every write of its events fails with WRONGTYPE
        client.set("audit:events:04600002:" + day, "not a sorted set");
        try (RunningGateway gateway = RunningGateway.start(Map.of("gateway.redis.url", url,
                "audit.retry.attempts", "2", "audit.retry.delay-ms", "10", "audit.flush-interval", "100ms"))) {
            try (DeviceSocket socket = new DeviceSocket(gateway.tcpPort())) {
                socket.send(TestFrames.register(device, 1));
                socket.readFrame();
            }
            AuditStore store = gateway.bean("auditStore", AuditStore.class);
            await().atMost(Duration.ofSeconds(15)).until(() -> store.deadLetterCount() >= 3);
            List<String> letters = client.lrange("audit:dead-letters", 0, -1);
            assertThat(letters).anySatisfy(l -> assertThat(l).contains("WRONGTYPE").contains("device_register"));
            assertThat(client.ttl("audit:dead-letters")).isPositive();
            await().atMost(Duration.ofSeconds(10)).until(() -> pending() == 0);

            // the audit goes on for other devices
            try (DeviceSocket socket = new DeviceSocket(gateway.tcpPort())) {
                socket.send(TestFrames.register(0x04600003, 1));
                socket.readFrame();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> store.isKnownDevice("04600003"));
        }
    }

    @Test
    void should_leave_one_record_when_the_same_batch_is_written_twice() throws Exception {
        try (RunningGateway gateway = RunningGateway.start(Map.of("gateway.redis.url", url, "audit.enabled", "false"))) {
            AuditStore store = gateway.bean("auditStore", AuditStore.class);
            long now = System.currentTimeMillis();
            DeviceEvent settlement = new DeviceEvent("e-1", "settlement", "04600004", 1, now / 1000,
                    Map.of("order_id", "IDEMPOTENT_00001", "start_time", now / 1000 - 60, "end_time", now / 1000),
                    now * 1000, null, null, null, "test");
            store.write(List.of(AuditEntry.of(settlement)));
            store.write(List.of(AuditEntry.of(settlement)));
            assertThat(store.events("04600004", now - 1000, now + 1000, null, 100)).hasSize(1);
            assertThat(store.sessions("04600004", 10)).hasSize(1);
        }
    }

    @Test
    void should_trim_the_journal_once_every_reader_is_done_with_it() throws Exception {
        try (RunningGateway gateway = RunningGateway.start(Map.of("gateway.redis.url", url,
                "audit.flush-interval", "100ms"))) {
            try (DeviceSocket socket = new DeviceSocket(gateway.tcpPort())) {
                // each heartbeat changes the port's status: journaled (a heartbeat that changes nothing is not)
                for (int msg = 1; msg <= 20; msg++) {
                    socket.send(TestFrames.heartbeat(0x04600005, msg, msg % 2));
                    socket.readFrame();
                }
            }
            AuditStore store = gateway.bean("auditStore", AuditStore.class);
            await().atMost(Duration.ofSeconds(10)).until(() -> store.events("04600005", 0, Long.MAX_VALUE / 2, null,
                    100).stream().anyMatch(e -> e.eventType().equals("device_offline")));
            await().atMost(Duration.ofSeconds(10)).until(() -> pending() == 0);
            assertThat(client.xlen("gateway:{events}")).isGreaterThanOrEqualTo(22);

            gateway.bean("eventJournal", ap3000.gateway.event.EventJournal.class).trimConsumed();
            assertThat(client.xlen("gateway:{events}")).isZero();
        }
    }

    @Test
    void should_acknowledge_and_count_entries_trimmed_before_the_audit_wrote_them() throws Exception {
        RunningGateway first = RunningGateway.start(Map.of("gateway.redis.url", url, "gateway.node-id", "node-a",
                "audit.batch-size", "1000", "audit.flush-interval", "1h", "gateway.shutdown-timeout", "1s"));
        try (DeviceSocket socket = new DeviceSocket(first.tcpPort())) {
            socket.send(TestFrames.register(0x04600006, 1));
            socket.readFrame();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> pending() == 3);
        first.close();
        client.xtrim("gateway:{events}", 0, false); // what the length guard does to a reader far behind

        try (RunningGateway second = RunningGateway.start(Map.of("gateway.redis.url", url,
                "gateway.node-id", "node-b", "audit.claim-idle", "1s", "audit.flush-interval", "100ms"))) {
            await().atMost(Duration.ofSeconds(15)).until(() -> pending() == 0);
            assertThat(second.bean("auditReader", ShardedJournalReader.class).lostEntries()).isEqualTo(3);
        }
    }

    private long pending() {
        try {
            return client.xpending("gateway:{events}", "audit").getTotal();
        } catch (RuntimeException e) {
            return -1;
        }
    }
}
