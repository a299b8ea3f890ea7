package ap3000.gateway.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import ap3000.gateway.GatewayProcess;
import ap3000.gateway.RunningGateway;
import ap3000.gateway.audit.AuditStore;
import ap3000.gateway.event.DeviceEvent;

/**
 * Chaos, quick variant: a gateway process is killed with SIGKILL three times while 100 simulated devices charge
 * (sessions started through the API, settlements in flight). The devices reconnect and send their unacked settlements
 * again, as firmware does. Afterwards: every session a device started ended in exactly one settlement in the journal,
 * none lost, none duplicated, and each has one session record in the audit.
 */
class KillNineChaosEndToEndTest {

    @Test
    void should_lose_and_duplicate_no_settlement_across_three_kill_minus_nine() throws Exception {
        Path dataDir = Files.createTempDirectory("chaos");
        int[] ports = RunningGateway.freePorts(2);
        Map<String, String> environment = Map.of("GATEWAY_HTTP_PORT", Integer.toString(ports[1]),
                "GATEWAY_NODE_ID", "chaos", "LOG_LEVEL_AP3000", "WARN");
        Process gateway = GatewayProcess.start(dataDir, ports[0], environment);
        DeviceSimulator.Counts counts;
        int connections;
        try {
            GatewayProcess.awaitListening(ports[0], gateway);
            DeviceSimulator.Settings settings = DeviceSimulator.Settings.builder(ports[0], ports[1],
                    RunningGateway.API_KEY).devices(100, 0x05E00000).hosts(0.2, 2).heartbeat(Duration.ofSeconds(2))
                    .link(Duration.ofSeconds(10)).sessions(8, Duration.ofSeconds(2), Duration.ofSeconds(1))
                    .settlementRetry(Duration.ofSeconds(1)).connectPerSecond(1000).build();
            try (DeviceSimulator simulator = new DeviceSimulator(settings).reconnectAfter(Duration.ofMillis(500))) {
                simulator.start();
                Thread sessions = new Thread(() -> {
                    try {
                        simulator.driveSessions(Duration.ofMinutes(10)); // until interrupted below
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                sessions.start();
                for (int kill = 0; kill < 3; kill++) {
                    // killed once the devices started sessions on this process, however slowly it came up: a busy
                    // machine may take longer to start a gateway than a fixed pause would allow
                    int before = simulator.counts().startedOrders.size();
                    await().atMost(Duration.ofSeconds(90))
                            .until(() -> simulator.counts().startedOrders.size() >= before + 15);
                    gateway.destroyForcibly().waitFor(); // SIGKILL: nothing is flushed, redis-server is orphaned
                    gateway = GatewayProcess.start(dataDir, ports[0], environment);
                    GatewayProcess.awaitListening(ports[0], gateway);
                }
                // and sessions on the last process too, then no new ones
                int before = simulator.counts().startedOrders.size();
                await().atMost(Duration.ofSeconds(90))
                        .until(() -> simulator.counts().startedOrders.size() >= before + 15);
                sessions.interrupt();
                sessions.join();
                // the devices keep sending their settlements until the gateway acks them
                await().atMost(Duration.ofSeconds(60)).until(() -> simulator.openSessions() == 0);
                counts = simulator.counts();
                connections = simulator.connectionCount();
            }
            GatewayProcess.terminate(gateway);
            gateway.waitFor();
        } finally {
            gateway.destroyForcibly();
        }

        try (RunningGateway restarted = RunningGateway.start(Map.of("gateway.data-dir", dataDir.toString()))) {
            List<DeviceEvent> settlements = restarted.journal().stream()
                    .filter(e -> e.eventType().equals("settlement")).toList();
            Map<String, Long> perOrder = settlements.stream().collect(Collectors.groupingBy(
                    e -> (String) e.data().get("order_id"), Collectors.counting()));
            Set<String> duplicated = perOrder.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey)
                    .collect(Collectors.toSet());
            Set<String> lost = new HashSet<>(counts.startedOrders);
            lost.removeAll(perOrder.keySet());
            System.out.printf("chaos: sessions started by devices %d, settlements acked to devices %d, settlements in "
                            + "the journal %d (distinct orders %d), lost %d, duplicated %d, resent %d, reconnects %d%n",
                    counts.startedOrders.size(), counts.settledOrders.size(), settlements.size(), perOrder.size(),
                    lost.size(), duplicated.size(), counts.settlementRetransmits.sum(), counts.reconnects.sum());

            assertThat(counts.startedOrders).hasSizeGreaterThan(50);
            // the kills dropped the devices' connections and they came back. Not "three times each": a connection
            // whose reconnect was still pending when the next kill came (a slow start on a busy machine) sees that
            // kill as one more refused connect, not as a drop; so at least once each, and more than once overall
            assertThat(counts.reconnects.sum()).isGreaterThanOrEqualTo(connections + 1L);
            assertThat(counts.settledOrders).isEqualTo(counts.startedOrders);
            assertThat(lost).as("settlements lost").isEmpty();
            assertThat(duplicated).as("settlements recorded twice").isEmpty();
            AuditStore audit = restarted.bean("auditStore", AuditStore.class);
            await().atMost(Duration.ofSeconds(20)).until(() -> counts.startedOrders.stream()
                    .allMatch(order -> audit.session(order).isPresent()));
            Map<String, Map<String, Object>> sessions = counts.startedOrders.stream().collect(Collectors.toMap(
                    Function.identity(), order -> audit.session(order).orElseThrow()));
            assertThat(sessions.values()).allSatisfy(s -> assertThat(s.get("state")).isNotNull());
        }
    }
}
