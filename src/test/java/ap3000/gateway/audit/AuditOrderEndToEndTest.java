package ap3000.gateway.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import ap3000.gateway.Http;
import ap3000.gateway.RunningGateway;
import ap3000.gateway.device.DeviceSocket;
import ap3000.gateway.device.TestFrames;
import ap3000.gateway.event.DeviceEvent;

/**
 * The cluster test's finding on one node, made deterministic: gateway nodes read the audit's consumer group in
 * parallel, so a session's events reach the audit store out of order. Here the audit route is stopped while a device
 * charges over a real socket, the journaled events are applied the way parallel readers may (the settlement first,
 * charging_end after it, the last power sample last), then the route is started again and replays them all in order.
 * The session API answers the same settled session throughout.
 */
class AuditOrderEndToEndTest {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final int DEVICE = 0x04900011;
    private static final String DEVICE_ID = "04900011";
    private static final String ORDER = "ORDER_E2E_000001";

    private static RunningGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = RunningGateway.start(Map.of("audit.flush-interval", "100ms"));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    @Test
    void should_answer_the_settled_session_whatever_order_its_events_were_applied_in() throws Exception {
        gateway.context().getRouteController().stopRoute("audit-batch");
        try (DeviceSocket socket = new DeviceSocket(gateway.tcpPort())) {
            socket.send(TestFrames.iccid());
            socket.send(TestFrames.register(DEVICE, 1));
            socket.readFrame();
            socket.send(TestFrames.powerHeartbeat(DEVICE, 2, 1, ORDER, 300, 5, 1000));
            socket.send(TestFrames.powerHeartbeat(DEVICE, 3, 1, ORDER, 600, 12, 1200));
            socket.send(TestFrames.powerHeartbeat(DEVICE, 4, 1, ORDER, 900, 20, 1400));
            socket.send(TestFrames.settlement(DEVICE, 5, 1, ORDER, 1000, 23, 1500, 7));
            socket.readFrame(); // the ack: the settlement's events are in the journal
        }
        List<DeviceEvent> journaled = gateway.journal(DEVICE_ID);
        List<AuditEntry> session = journaled.stream()
                .filter(e -> AuditEntry.SESSION_TYPES.contains(e.eventType())).map(AuditEntry::of).toList();
        assertThat(session).extracting(AuditEntry::eventType).containsExactly("power_heartbeat", "power_heartbeat",
                "power_heartbeat", "charging_end", "settlement");

        AuditStore store = gateway.bean("auditStore", AuditStore.class);
        store.write(List.of(session.get(0), session.get(1), session.get(4)));
        store.write(List.of(session.get(3)));
        store.write(List.of(session.get(2)));
        Map<String, Object> outOfOrder = sessionAnswer();
        assertSettled(outOfOrder);

        gateway.context().getRouteController().startRoute("audit-batch");
        await().atMost(WAIT).until(() -> store.countsByType(1).get("settlement") == 1
                && store.countsByType(1).get("power_heartbeat") == 3);
        Map<String, Object> replayed = sessionAnswer();
        assertSettled(replayed);
        assertThat(replayed).isEqualTo(outOfOrder);
        assertThat(store.activeSession(DEVICE_ID, 1)).isEmpty();
    }

    private static void assertSettled(Map<String, Object> session) {
        assertThat(session).containsEntry("order_id", ORDER).containsEntry("state", "settled")
                .containsEntry("last_event_type", "settlement").containsEntry("duration_seconds", 1000)
                .containsEntry("energy_kwh", 0.23).containsEntry("max_power_w", 150.0)
                .containsEntry("stop_reason", 7).containsEntry("power_samples", 3);
        assertThat(((Number) session.get("end_time")).longValue() - ((Number) session.get("start_time")).longValue())
                .isEqualTo(1000);
        assertThat((List<?>) session.get("power_series")).hasSize(3);
    }

    private static Map<String, Object> sessionAnswer() throws Exception {
        Http.Answer answer = Http.get(gateway.httpPort(), "/api/v1/audit/sessions/" + ORDER, RunningGateway.API_KEY);
        assertThat(answer.status()).isEqualTo(200);
        return answer.data();
    }
}
