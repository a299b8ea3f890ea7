package ap3000.gateway.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import ap3000.gateway.RunningGateway;
import ap3000.gateway.event.DeviceEvent;
import ap3000.gateway.notify.WebhookReceiver;

/**
 * The quick variant of the scale benchmark, in {@code mvn verify}: 300 simulated devices (a share of them hosts with
 * two slaves on one connection) register, ask the time, heartbeat every second and charge: sessions started through
 * the HTTP API, acked, power heartbeats, settlements retransmitted until acked. Every reply is right, every acked
 * settlement is in the journal exactly once, and every settlement reaches the webhook receiver.
 */
class SimulatorEndToEndTest {

    @Test
    void should_serve_a_simulated_fleet_with_charging_sessions_without_a_wrong_reply() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver();
             RunningGateway gateway = RunningGateway.start(Map.of("notify.endpoints", "sink",
                     "notify.endpoints.sink.url", receiver.url(), "notify.endpoints.sink.event-types",
                     "charging_start,settlement", "gateway.downlink.min-gap", "50ms"))) {
            DeviceSimulator.Settings settings = DeviceSimulator.Settings.builder(gateway.tcpPort(),
                    gateway.httpPort(), RunningGateway.API_KEY).devices(300, 0x05F00000).hosts(0.2, 2)
                    .heartbeat(Duration.ofSeconds(1)).link(Duration.ofSeconds(5))
                    .sessions(15, Duration.ofSeconds(3), Duration.ofSeconds(1)).settlementRetry(Duration.ofSeconds(2))
                    .sourceAddresses(2).connectPerSecond(1000).build();
            SimulatorRun.Result result = SimulatorRun.run(settings, Duration.ofSeconds(12), false);

            assertThat(result.problems()).isEmpty();
            assertThat(result.wrong()).isZero();
            assertThat(result.registered()).isEqualTo(300);
            assertThat(result.disconnected()).as("closed by the gateway").isZero();
            assertThat(result.repliesOk()).isGreaterThan(300 * 8);
            assertThat(result.sessionsStarted()).isGreaterThan(50);
            assertThat(result.settlementsAcked()).isGreaterThan(20);

            List<DeviceEvent> journal = gateway.journal();
            List<String> settled = journal.stream().filter(e -> e.eventType().equals("settlement"))
                    .map(e -> (String) e.data().get("order_id")).toList();
            assertThat(settled).doesNotHaveDuplicates().hasSizeGreaterThanOrEqualTo((int) result.settlementsAcked());
            assertThat(journal.stream().filter(e -> e.eventType().equals("charging_start")))
                    .hasSize((int) result.sessionsStarted());
            Set<String> expected = journal.stream().filter(e -> Set.of("settlement", "charging_start")
                    .contains(e.eventType())).map(DeviceEvent::eventId).collect(Collectors.toSet());
            await().atMost(Duration.ofSeconds(20)).until(() -> receiver.accepted().stream()
                    .map(WebhookReceiver.Request::eventId).collect(Collectors.toSet()).containsAll(expected));
        }
    }
}
