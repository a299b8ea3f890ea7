package ap3000.gateway.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import ap3000.gateway.Http;
import ap3000.gateway.RunningGateway;
import ap3000.gateway.device.DeviceSocket;
import ap3000.gateway.device.TestFrames;
import ap3000.gateway.redis.RedisConnection;
import redis.clients.jedis.UnifiedJedis;

/** A whole charging flow over TCP becomes a queryable timeline and session record in Redis, every key with a TTL. */
class AuditTrailEndToEndTest {

    private static final String KEY = "test-key-1";
    private static final int DEVICE = 0x04500001;
    private static final String DEVICE_ID = "04500001";
    private static final String ORDER = "AUDIT_ORDER_0001";

    private static RunningGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = RunningGateway.start(Map.of("gateway.api.keys", "other-key," + KEY, "audit.flush-interval", "200ms",
                "audit.frames.flush-interval", "200ms", "audit.heartbeats.flush-interval", "200ms"));
        long before = System.currentTimeMillis() / 1000;
        try (DeviceSocket socket = new DeviceSocket(gateway.tcpPort())) {
            socket.send(TestFrames.iccid());
            socket.send(TestFrames.register(DEVICE, 1));
            socket.readFrame();
            socket.send(TestFrames.heartbeat(DEVICE, 2, 0, 0));
            socket.readFrame();
            socket.send(TestFrames.heartbeat(DEVICE, 3, 0, 1));
            socket.readFrame();
            socket.send(TestFrames.powerHeartbeat(DEVICE, 4, 2, ORDER, 300, 5, 1000));
            socket.send(TestFrames.powerHeartbeat(DEVICE, 5, 2, ORDER, 600, 12, 1200));
            socket.send(TestFrames.powerHeartbeat(DEVICE, 6, 2, ORDER, 900, 20, 1400));
            socket.send(TestFrames.settlement(DEVICE, 7, 2, ORDER, 1000, 23, 1500, 7));
            socket.readFrame();
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> timelineTypes().contains("device_offline"));
        assertThat(before).isPositive();
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    @Test
    void should_record_the_whole_flow_as_a_timeline_with_raw_frames() throws Exception {
        Http.Answer answer = Http.get(gateway.httpPort(), "/api/v1/audit/devices/" + DEVICE_ID + "/events", KEY);
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body()).containsEntry("code", 0);
        // one record per power sample: charging_power repeats the power_heartbeat of the same frame
        assertThat(timelineTypes()).containsExactly("device_online", "device_register", "device_heartbeat",
                "port_heartbeat", "port_heartbeat", "device_heartbeat", "port_heartbeat", "power_heartbeat",
                "power_heartbeat", "power_heartbeat", "charging_end", "settlement", "device_offline");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> events = (List<Map<String, Object>>) answer.data().get("events");
        assertThat(events.get(1)).containsEntry("direction", "in")
                .containsEntry("frame_hex", TestFrames.register(DEVICE, 1).toHex());

        Http.Answer onlyPower = Http.get(gateway.httpPort(),
                "/api/v1/audit/devices/" + DEVICE_ID + "/events?type=power_heartbeat&limit=2", KEY);
        assertThat((List<?>) onlyPower.data().get("events")).hasSize(2);
    }

    @Test
    void should_build_the_session_record_from_power_samples_and_the_settlement() throws Exception {
        Http.Answer answer = Http.get(gateway.httpPort(), "/api/v1/audit/sessions/" + ORDER, KEY);
        assertThat(answer.status()).isEqualTo(200);
        Map<String, Object> session = answer.data();
        assertThat(session).containsEntry("order_id", ORDER).containsEntry("device_id", DEVICE_ID)
                .containsEntry("port_number", 2).containsEntry("state", "settled")
                .containsEntry("duration_seconds", 1000).containsEntry("energy_kwh", 0.23)
                .containsEntry("max_power_w", 150.0).containsEntry("avg_power_w", 120.0)
                .containsEntry("power_samples", 3).containsEntry("stop_reason", 7)
                .containsEntry("stop_reason_desc", "服务器控制停止");
        assertThat(((Number) session.get("end_time")).longValue() - ((Number) session.get("start_time")).longValue())
                .isEqualTo(1000);

        Http.Answer list = Http.get(gateway.httpPort(), "/api/v1/audit/devices/" + DEVICE_ID + "/sessions", KEY);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> sessions = (List<Map<String, Object>>) list.data().get("sessions");
        assertThat(sessions).extracting(s -> s.get("order_id")).containsExactly(ORDER);
        assertThat(gateway.bean("auditStore", AuditStore.class).activeSession(DEVICE_ID, 2)).isEmpty();
    }

    @Test
    void should_count_events_by_type() throws Exception {
        Http.Answer stats = Http.get(gateway.httpPort(), "/api/v1/audit/stats", KEY);
        @SuppressWarnings("unchecked")
        Map<String, Object> counts = (Map<String, Object>) stats.data().get("counts");
        assertThat(counts).containsEntry("power_heartbeat", 3).containsEntry("settlement", 1);
    }

    @Test
    void should_set_a_ttl_on_every_audit_key() {
        UnifiedJedis redis = gateway.bean("redis", RedisConnection.class).client();
        // the frame log and the heartbeat summaries are written by their own timers
        await().atMost(Duration.ofSeconds(10)).until(() -> gateway.keys("audit:*").stream()
                .filter(key -> key.startsWith("audit:frames:") || key.startsWith("audit:heartbeats:"))
                .map(key -> key.substring(0, key.indexOf(':', 6))).distinct().count() == 2);
        Set<String> keys = gateway.keys("audit:*");
        assertThat(keys).contains("audit:session:" + ORDER, "audit:session:" + ORDER + ":samples",
                "audit:device:" + DEVICE_ID + ":sessions", "audit:device:" + DEVICE_ID + ":seen",
                "audit:device:" + DEVICE_ID + ":port:2:session");
        assertThat(keys).anyMatch(key -> key.startsWith("audit:counts:"));
        for (String key : keys) {
            assertThat(redis.ttl(key)).as("TTL of " + key).isPositive();
        }
        assertThat(redis.ttl("audit:session:" + ORDER)).isGreaterThan(Duration.ofHours(719).toSeconds());
        assertThat(redis.ttl("audit:device:" + DEVICE_ID + ":seen")).isBetween(Duration.ofHours(167).toSeconds(),
                Duration.ofHours(168).toSeconds());
    }

    @Test
    void should_refuse_bad_requests_with_a_message_naming_the_field() throws Exception {
        String base = "/api/v1/audit/devices/" + DEVICE_ID + "/events";
        assertRefused(base + "?from=200&to=100", 400, "from: must not be after to");
        assertRefused(base + "?from=yesterday", 400, "from: must be Unix seconds");
        assertRefused(base + "?limit=0", 400, "limit: must be 1..1000");
        assertRefused(base + "?type=nonsense", 400, "type: unknown event type");
        assertRefused("/api/v1/audit/devices/NOTADEVICE/events", 400, "deviceId: must be 8 hex digits");
        assertRefused("/api/v1/audit/devices/04FFFFFF/events", 404, "no audit trail for device 04FFFFFF");
        assertRefused("/api/v1/audit/devices/04FFFFFF/sessions", 404, "no audit trail for device 04FFFFFF");
        assertRefused("/api/v1/audit/sessions/NO_SUCH_ORDER", 404, "no charging session for order NO_SUCH_ORDER");
    }

    @Test
    void should_refuse_requests_without_a_valid_api_key() throws Exception {
        Http.Answer missing = Http.get(gateway.httpPort(), "/api/v1/audit/stats", null);
        assertThat(missing.status()).isEqualTo(401);
        assertThat(missing.body()).containsEntry("code", 401).containsEntry("message", "missing X-API-Key header");
        Http.Answer wrong = Http.get(gateway.httpPort(), "/api/v1/audit/stats", "guess");
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(Http.get(gateway.httpPort(), "/api/v1/audit/stats", "other-key").status()).isEqualTo(200);
    }

    private static void assertRefused(String path, int status, String message) throws Exception {
        Http.Answer answer = Http.get(gateway.httpPort(), path, KEY);
        assertThat(answer.status()).as(path).isEqualTo(status);
        assertThat(answer.body()).containsEntry("code", status);
        assertThat((String) answer.body().get("message")).as(path).startsWith(message);
    }

    private static List<String> timelineTypes() {
        return gateway.bean("auditStore", AuditStore.class).events(DEVICE_ID, 0, Long.MAX_VALUE / 2, null, 1000)
                .stream().map(e -> e.eventType()).toList();
    }
}
