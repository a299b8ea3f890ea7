package ap3000.gateway.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import ap3000.gateway.Http;
import ap3000.gateway.RunningGateway;
import ap3000.gateway.device.DeviceSocket;
import ap3000.gateway.device.TestFrames;
import ap3000.gateway.protocol.DnyFrame;

/**
 * {@code GET /api/v1/audit/sessions/{order}} tells the session's story: a start through the API, the device's ack,
 * power samples, a stop and the settlement, over a real socket to the real gateway.
 */
class SessionStoryEndToEndTest {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private static RunningGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = RunningGateway.start(Map.of("gateway.downlink.ack-timeout", "1s",
                "gateway.downlink.answer-margin", "2s", "audit.flush-interval", "100ms"));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    @Test
    void should_return_the_sessions_events_in_order_and_its_power_series() throws Exception {
        int device = 0x04900001;
        String order = "STORY_ORDER_0001";
        DnyFrame startCommand;
        DnyFrame startAck;
        DnyFrame stopCommand;
        DnyFrame stopAck;
        DnyFrame settlement;
        try (DeviceSocket socket = new DeviceSocket(gateway.tcpPort())) {
            socket.send(TestFrames.iccid());
            socket.send(TestFrames.register(device, 1));
            socket.readFrame();

            CompletableFuture<Http.Answer> started = post("/api/v1/charging/start?view=gateway", """
                    {"deviceId": "04900001", "port": 1, "mode": 0, "value": 3600, "orderNo": "%s", "balance": 1000}
                    """.formatted(order));
            startCommand = socket.readFrame();
            startAck = TestFrames.chargeAck(device, startCommand.messageId(), 0, order, 1);
            socket.send(startAck);
            assertThat(started.get().data()).containsEntry("started", true);

            socket.send(TestFrames.heartbeat(device, 0x0300, 1, 0));
            socket.readFrame();
            socket.send(TestFrames.powerHeartbeat(device, 0x0301, 1, order, 60, 1, 1500));
            // another order on the other port is not this session's
            socket.send(TestFrames.powerHeartbeat(device, 0x0302, 2, "OTHER_ORDER_0001", 30, 1, 900));
            socket.send(TestFrames.powerHeartbeat(device, 0x0303, 1, order, 120, 2, 1800));
            socket.send(TestFrames.powerHeartbeat(device, 0x0304, 1, order, 180, 3, 2100));

            CompletableFuture<Http.Answer> stopped = post("/api/v1/charging/stop?view=gateway", """
                    {"deviceId": "04900001", "port": 1, "orderNo": "%s"}""".formatted(order));
            stopCommand = socket.readFrame();
            stopAck = TestFrames.chargeAck(device, stopCommand.messageId(), 0, order, 1);
            socket.send(stopAck);
            assertThat(stopped.get().data()).containsEntry("stopped", true);
            settlement = TestFrames.settlement(device, 0x0305, 1, order, 185, 3, 2100, 7);
            socket.send(settlement);
            socket.readFrame();
        }

        Map<String, Object> session = await().atMost(WAIT).until(() -> Http.get(gateway.httpPort(),
                "/api/v1/audit/sessions/" + order, RunningGateway.API_KEY).data(),
                s -> s != null && "settled".equals(s.get("state")) && events(s).size() == 9);

        List<Map<String, Object>> events = events(session);
        assertThat(events).extracting(e -> e.get("event_type")).containsExactly("charging_command",
                "charging_start", "power_heartbeat", "power_heartbeat", "power_heartbeat", "charging_command",
                "charging_stopped", "charging_end", "settlement");
        assertThat(events).extracting(e -> e.get("direction")).containsExactly("out", "in", "in", "in", "in",
                "out", "in", "in", "in");
        assertThat(events).extracting(e -> e.get("frame_hex")).containsExactly(startCommand.toHex(),
                startAck.toHex(), frameOf(events, 2), frameOf(events, 3), frameOf(events, 4), stopCommand.toHex(),
                stopAck.toHex(), settlement.toHex(), settlement.toHex());
        assertThat(events).allSatisfy(e -> assertThat(e).containsKeys("time", "event_id", "data")
                .containsEntry("port_number", 1));
        assertThat(data(events.get(0))).containsEntry("order_number", order).containsEntry("command", "start")
                .containsEntry("attempt", 1).containsEntry("message_id", startCommand.messageId());
        assertThat(data(events.get(5))).containsEntry("command", "stop");
        assertThat(data(events.get(8))).containsEntry("order_id", order).containsEntry("stop_reason", 7);

        @SuppressWarnings("unchecked")
        List<Map<String, Object>> power = (List<Map<String, Object>>) session.get("power_series");
        assertThat(power).hasSize(3).allSatisfy(p -> assertThat(p).containsOnlyKeys("time", "watts"));
        assertThat(power).extracting(p -> ((Number) p.get("watts")).doubleValue()).containsExactly(150.0, 180.0, 210.0);
        assertThat(power).extracting(p -> ((Number) p.get("time")).longValue()).isSorted();
        assertThat(session).containsEntry("power_samples", 3);
    }

    private static String frameOf(List<Map<String, Object>> events, int index) {
        assertThat(events.get(index).get("frame_hex")).asString().startsWith("444E59"); // "DNY"
        return (String) events.get(index).get("frame_hex");
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> events(Map<String, Object> session) {
        return (List<Map<String, Object>>) session.get("events");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> data(Map<String, Object> event) {
        return (Map<String, Object>) event.get("data");
    }

    private static CompletableFuture<Http.Answer> post(String path, String json) {
        return CompletableFuture.supplyAsync(() -> Http.unchecked(() -> Http.post(gateway.httpPort(), path,
                RunningGateway.API_KEY, json)));
    }
}
