package ap3000.gateway.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import ap3000.gateway.GatewayProcess;
import ap3000.gateway.RunningGateway;
import ap3000.gateway.device.DeviceSocket;
import ap3000.gateway.device.TestFrames;
import ap3000.gateway.event.DeviceEvent;
import ap3000.gateway.protocol.DnyFrame;
import ap3000.gateway.protocol.ServerCommands;

/**
 * A gateway process killed with SIGKILL leaves its embedded redis-server running. The next gateway on the same
 * data directory shuts that orphan down cleanly and finds every event the first one accepted. A gateway stopped
 * with SIGTERM writes everything it answered before it stops its Redis.
 */
class KillNineRecoveryEndToEndTest {

    @Test
    void should_keep_every_accepted_event_across_a_kill_minus_nine() throws Exception {
        Path dataDir = Files.createTempDirectory("kill-nine");
        int tcpPort = RunningGateway.freePort();
        int device = 0x04400001;
        DnyFrame settlement = TestFrames.settlement(device, 0x10, 1, "KILL9_ORDER_0001", 600, 15, 900, 1);

        Process first = GatewayProcess.start(dataDir, tcpPort, Map.of());
        try {
            await().atMost(GatewayProcess.START_WAIT).until(() -> GatewayProcess.accepts(tcpPort));
            try (DeviceSocket socket = new DeviceSocket(tcpPort)) {
                socket.send(TestFrames.iccid());
                DnyFrame register = TestFrames.register(device, 1);
                socket.send(register);
                assertThat(socket.readFrameHex()).isEqualTo(ServerCommands.ok(register).toHex());
                socket.send(settlement);
                assertThat(socket.readFrameHex()).isEqualTo(ServerCommands.ok(settlement).toHex());

                first.destroyForcibly(); // SIGKILL: no shutdown hook runs, redis-server is orphaned
                first.waitFor();
            }
        } finally {
            first.destroyForcibly();
        }

        try (RunningGateway second = RunningGateway.start(Map.of("gateway.data-dir", dataDir.toString()))) {
            List<DeviceEvent> events = second.journal(String.format("%08X", device));
            assertThat(events).extracting(DeviceEvent::eventType)
                    .containsExactly("device_online", "device_register", "charging_end", "settlement");

            // the device, never sure its ack arrived, retransmits: acked, not reported twice
            try (DeviceSocket socket = new DeviceSocket(second.tcpPort())) {
                socket.send(settlement);
                assertThat(socket.readFrameHex()).isEqualTo(ServerCommands.ok(settlement).toHex());
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> second.journal(String.format("%08X", device))
                    .stream().filter(e -> e.eventType().equals("device_offline")).count() == 1);
            assertThat(second.journal(String.format("%08X", device))).extracting(DeviceEvent::eventType)
                    .containsExactly("device_online", "device_register", "charging_end", "settlement",
                            "device_online", "device_offline");
        }
    }

    @Test
    void should_write_every_answered_heartbeat_before_stopping_on_sigterm() throws Exception {
        Path dataDir = Files.createTempDirectory("sigterm");
        int tcpPort = RunningGateway.freePort();
        int device = 0x04400002;
        Process gateway = GatewayProcess.start(dataDir, tcpPort, Map.of());
        int heartbeats = 200;
        try {
            await().atMost(GatewayProcess.START_WAIT).until(() -> GatewayProcess.accepts(tcpPort));
            try (DeviceSocket socket = new DeviceSocket(tcpPort)) {
                socket.send(TestFrames.register(device, 1));
                socket.readFrame();
                for (int msg = 2; msg < heartbeats + 2; msg++) {
                    // each changes port 1's status: journaled (a heartbeat that changes nothing is only summarized)
                    socket.send(TestFrames.heartbeat(device, msg, msg % 2, 0));
                    socket.readFrame(); // answered: its events are queued for the journal, not yet waited for
                }
                // SIGTERM to the whole process group, as systemd and Ctrl-C send it
                GatewayProcess.terminate(gateway);
                assertThat(gateway.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            }
        } finally {
            gateway.destroyForcibly();
        }
        assertThat(gateway.exitValue()).isEqualTo(143); // 128 + SIGTERM: how a JVM exits after its shutdown hooks
        assertThat(dataDir.resolve("redis/redis.port")).doesNotExist(); // Redis was stopped by the gateway, last

        try (RunningGateway restarted = RunningGateway.start(Map.of("gateway.data-dir", dataDir.toString()))) {
            List<DeviceEvent> events = restarted.journal(String.format("%08X", device));
            assertThat(events.stream().filter(e -> e.eventType().equals("device_heartbeat"))).hasSize(heartbeats);
            assertThat(events).extracting(DeviceEvent::eventType).endsWith("device_offline");
        }
    }
}
