package ap3000.gateway.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
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
import ap3000.gateway.ops.Metrics;
import ap3000.gateway.protocol.DnyFrame;
import ap3000.gateway.redis.RedisConnection;
import redis.clients.jedis.UnifiedJedis;

/**
 * A device's conversation over a real socket reads back from the frame log byte-exact, in order, both directions,
 * decoded by the codec; every frame key has its TTL.
 */
class FrameLogEndToEndTest {

    private static final String KEY = RunningGateway.API_KEY;
    private static final int DEVICE = 0x04600001;
    private static final String DEVICE_ID = "04600001";
    private static final String ORDER = "FRAMES_ORDER_001";
    private static final String FRAMES = "/api/v1/audit/devices/" + DEVICE_ID + "/frames";

    private static RunningGateway gateway;
    /** What went over the wire, in order: "in " or "out" and the frame's hex. */
    private static final List<String> conversation = new ArrayList<>();
    private static long startedMillis;
    private static long endedMillis;

    @BeforeAll
    static void start() throws Exception {
        gateway = RunningGateway.start(Map.of("audit.frames.flush-interval", "200ms", "audit.flush-interval", "200ms"));
        startedMillis = System.currentTimeMillis();
        try (DeviceSocket socket = new DeviceSocket(gateway.tcpPort())) {
            socket.send(TestFrames.iccid());
            exchange(socket, TestFrames.register(DEVICE, 1));
            exchange(socket, TestFrames.heartbeat(DEVICE, 2, 0, 0));
            exchange(socket, TestFrames.timeRequest(DEVICE, 3));
            exchange(socket, TestFrames.heartbeat(DEVICE, 4, 0, 1));
            Http.Answer start = Http.post(gateway.httpPort(), "/api/v1/charging/start?view=gateway&async=true", KEY, """
                    {"deviceId": "%s", "port": 1, "mode": 0, "value": 3600, "orderNo": "%s", "balance": 1000}
                    """.formatted(DEVICE_ID, ORDER));
            assertThat(start.status()).isEqualTo(202);
            DnyFrame command = received(socket);
            sent(socket, TestFrames.chargeAck(DEVICE, command.messageId(), 0, ORDER, 1));
            sent(socket, TestFrames.powerHeartbeat(DEVICE, 5, 1, ORDER, 60, 1, 1000));
            exchange(socket, TestFrames.settlement(DEVICE, 6, 1, ORDER, 120, 2, 1000, 7));
        }
        endedMillis = System.currentTimeMillis();
        // 404 until the first frames are written, then all of them
        await().atMost(Duration.ofSeconds(15)).ignoreExceptions()
                .until(() -> frames(FRAMES + "?limit=1000").size() == conversation.size());
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    private static void exchange(DeviceSocket socket, DnyFrame frame) throws Exception {
        sent(socket, frame);
        received(socket);
    }

    private static void sent(DeviceSocket socket, DnyFrame frame) throws Exception {
        socket.send(frame);
        conversation.add("in  " + frame.toHex());
    }

    private static DnyFrame received(DeviceSocket socket) throws Exception {
        byte[] bytes = socket.readFrameBytes();
        conversation.add("out " + HexFormat.of().withUpperCase().formatHex(bytes));
        return DnyFrame.fromBytes(bytes).orElseThrow();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> frames(String path) throws Exception {
        Http.Answer answer = Http.get(gateway.httpPort(), path, KEY);
        assertThat(answer.status()).as(path).isEqualTo(200);
        return (List<Map<String, Object>>) answer.data().get("frames");
    }

    @Test
    void should_return_every_frame_of_both_directions_byte_exact_and_in_order() throws Exception {
        List<Map<String, Object>> frames = frames(FRAMES + "?limit=1000");
        assertThat(frames).extracting(f -> ("in".equals(f.get("direction")) ? "in  " : "out ") + f.get("frame_hex"))
                .containsExactlyElementsOf(conversation);
        long previous = 0;
        for (Map<String, Object> f : frames) {
            long millis = ((Number) f.get("timestamp_ms")).longValue();
            assertThat(millis).isBetween(Math.max(previous, startedMillis), endedMillis);
            assertThat(((Number) f.get("timestamp")).longValue()).isEqualTo(millis / 1000);
            previous = millis;
        }
        assertThat(Metrics.scrape(gateway.httpPort()).value("gateway_audit_frames_written_total"))
                .isGreaterThanOrEqualTo(conversation.size());
    }

    @Test
    @SuppressWarnings("unchecked")
    void should_decode_each_frame_with_the_codec() throws Exception {
        List<Map<String, Object>> frames = frames(FRAMES + "?limit=1000");
        assertThat(frames).allSatisfy(f -> assertThat(f.get("fields")).as(f.toString()).isNotNull());
        assertThat(frames).extracting(f -> f.get("direction") + " " + f.get("command") + " " + f.get("command_name"))
                .containsExactly("in 0x20 register", "out 0x20 register", "in 0x21 heartbeat", "out 0x21 heartbeat",
                        "in 0x22 time_request", "out 0x22 time_request", "in 0x21 heartbeat", "out 0x21 heartbeat",
                        "out 0x82 charge_control", "in 0x82 charge_control", "in 0x06 power_heartbeat",
                        "in 0x03 settlement", "out 0x03 settlement");

        Map<String, Object> heartbeat = (Map<String, Object>) frames.get(6).get("fields");
        assertThat(heartbeat).containsEntry("voltage_volts", 234.7).containsEntry("temperature_celsius", 28);
        assertThat((List<Map<String, Object>>) heartbeat.get("ports")).extracting(p -> p.get("status"))
                .containsExactly(0, 1);
        assertThat((Map<String, Object>) frames.get(7).get("fields")).containsExactly(Map.entry("result", 0));
        assertThat(((Number) ((Map<String, Object>) frames.get(5).get("fields")).get("epoch_seconds")).longValue())
                .isBetween(startedMillis / 1000, endedMillis / 1000);
        assertThat((Map<String, Object>) frames.get(8).get("fields")).containsEntry("order", ORDER)
                .containsEntry("port", 1).containsEntry("start", true).containsEntry("value", 3600);
        assertThat((Map<String, Object>) frames.get(9).get("fields")).containsEntry("result", 0)
                .containsEntry("order", ORDER);
        assertThat((Map<String, Object>) frames.get(11).get("fields")).containsEntry("order", ORDER)
                .containsEntry("duration_seconds", 120).containsEntry("stop_reason", 7);
        assertThat(frames.get(11)).containsEntry("message_id", 6);
    }

    @Test
    void should_answer_the_oldest_frames_first_within_the_range_and_limit() throws Exception {
        assertThat(frames(FRAMES + "?limit=3")).extracting(f -> f.get("frame_hex"))
                .containsExactly(conversation.get(0).substring(4), conversation.get(1).substring(4),
                        conversation.get(2).substring(4));
        assertThat(frames(FRAMES + "?from=1000&to=2000")).isEmpty();
        long from = startedMillis / 1000;
        long to = endedMillis / 1000;
        Http.Answer answer = Http.get(gateway.httpPort(), FRAMES + "?from=" + from + "&to=" + to + "&limit=1000", KEY);
        assertThat(answer.data()).containsEntry("device_id", DEVICE_ID)
                .containsEntry("count", conversation.size());
        assertThat(((Number) answer.data().get("from")).longValue()).isEqualTo(from);
        assertThat(((Number) answer.data().get("to")).longValue()).isEqualTo(to);
    }

    @Test
    void should_keep_every_frame_key_at_most_its_ttl_after_the_end_of_its_hour() {
        UnifiedJedis redis = gateway.bean("redis", RedisConnection.class).client();
        Set<String> keys = gateway.keys("audit:frames:*");
        assertThat(keys).isNotEmpty().allMatch(k -> k.matches("audit:frames:" + DEVICE_ID + ":\\d{10}"));
        for (String key : keys) {
            assertThat(redis.ttl(key)).as("TTL of " + key)
                    .isBetween(Duration.ofHours(24).toSeconds(), Duration.ofHours(25).toSeconds());
        }
    }

    @Test
    void should_refuse_bad_requests_with_a_message_naming_the_field() throws Exception {
        assertRefused(FRAMES + "?from=200&to=100", 400, "from: must not be after to");
        assertRefused(FRAMES + "?from=yesterday", 400, "from: must be Unix seconds");
        assertRefused(FRAMES + "?to=-5", 400, "to: must be Unix seconds");
        assertRefused(FRAMES + "?limit=0", 400, "limit: must be 1..1000");
        assertRefused(FRAMES + "?limit=many", 400, "limit: must be a whole number");
        assertRefused("/api/v1/audit/devices/NOTADEVICE/frames", 400, "deviceId: must be 8 hex digits");
        assertRefused("/api/v1/audit/devices/04FFFFFF/frames", 404, "no audit trail for device 04FFFFFF");
    }

    private static void assertRefused(String path, int status, String message) throws Exception {
        Http.Answer answer = Http.get(gateway.httpPort(), path, KEY);
        assertThat(answer.status()).as(path).isEqualTo(status);
        assertThat((String) answer.body().get("message")).as(path).contains(message);
    }
}
