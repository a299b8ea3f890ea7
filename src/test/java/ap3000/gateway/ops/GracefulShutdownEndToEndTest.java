package ap3000.gateway.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import ap3000.gateway.GatewayProcess;
import ap3000.gateway.RunningGateway;
import ap3000.gateway.audit.AuditStore;
import ap3000.gateway.device.DeviceSocket;
import ap3000.gateway.device.TestFrames;
import ap3000.gateway.event.DeviceEvent;
import ap3000.gateway.notify.WebhookReceiver;

/**
 * SIGTERM under load with a webhook request hanging: the gateway process stops within gateway.shutdown-timeout,
 * every frame it answered is in the journal and the audit, and the events it had not delivered are delivered after
 * the restart (they stayed in the outbox).
 */
class GracefulShutdownEndToEndTest {

    /**
     * A third of it for the workers, a third for the routes, the rest for the flushes, Redis and the exit. Those take
     * a fraction of a second on an idle machine, but about 8 s with a benchmark on both cores beside the test (the
     * listener's unbinding 3 s, the flushes and Redis 3 s, the JVM's exit 2 s): a budget of 6 s was overrun there
     * (13 - 15 s), while this one leaves the last stage its 7 s with room.
     */
    private static final int SHUTDOWN_TIMEOUT_SECONDS = 21;

    private WebhookReceiver receiver;
    private Process process;

    @AfterEach
    void stop() {
        if (process != null) {
            process.destroyForcibly();
        }
        if (receiver != null) {
            receiver.close();
        }
    }

    @Test
    void should_stop_within_the_timeout_and_lose_nothing() throws Exception {
        // the receiver holds every request for 60 s, far longer than the shutdown budget
        receiver = new WebhookReceiver().answer(request -> new WebhookReceiver.Answer(200, Map.of(), 60_000));
        Path dataDir = Files.createTempDirectory("graceful");
        int tcpPort = RunningGateway.freePort();
        int device = 0x04940001;
        Map<String, String> environment = Map.of(
                "GATEWAY_SHUTDOWN_TIMEOUT", SHUTDOWN_TIMEOUT_SECONDS + "s",
                "NOTIFY_ENDPOINTS", "sink",
                "NOTIFY_ENDPOINTS_SINK_URL", receiver.url(),
                "NOTIFY_ENDPOINTS_SINK_TIMEOUT", "90s");
        process = GatewayProcess.start(dataDir, tcpPort, environment);
        await().atMost(GatewayProcess.START_WAIT).until(() -> GatewayProcess.accepts(tcpPort));

        int heartbeats = 100;
        long elapsedMillis;
        try (DeviceSocket socket = new DeviceSocket(tcpPort)) {
            socket.send(TestFrames.iccid());
            socket.send(TestFrames.register(device, 1));
            socket.readFrame();
            await().atMost(Duration.ofSeconds(20)).until(() -> !receiver.received().isEmpty()); // one in flight
            for (int msg = 2; msg < heartbeats + 2; msg++) {
                // each changes port 1's status: journaled (a heartbeat that changes nothing is only summarized)
                socket.send(TestFrames.heartbeat(device, msg, msg % 2, 0));
                socket.readFrame();
            }
            long start = System.nanoTime();
            GatewayProcess.terminate(process);
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        }
        assertThat(process.exitValue()).isEqualTo(143);
        assertThat(elapsedMillis).as("stop took %d ms", elapsedMillis)
                .isLessThan(SHUTDOWN_TIMEOUT_SECONDS * 1000L);
        assertThat(Files.readString(dataDir.resolve("gateway.log"))).contains("(timeout:" + SHUTDOWN_TIMEOUT_SECONDS / 3);

        receiver.answer(request -> WebhookReceiver.Answer.status(200));
        try (RunningGateway restarted = RunningGateway.start(Map.of("gateway.data-dir", dataDir.toString(),
                "notify.endpoints", "sink", "notify.endpoints.sink.url", receiver.url()))) {
            String deviceId = String.format("%08X", device);
            List<DeviceEvent> journal = restarted.journal(deviceId);
            assertThat(journal.stream().filter(e -> e.eventType().equals("device_heartbeat"))).hasSize(heartbeats);
            Set<String> accepted = journal.stream().map(DeviceEvent::eventId).collect(Collectors.toSet());
            AuditStore audit = restarted.bean("auditStore", AuditStore.class);
            await().atMost(Duration.ofSeconds(20)).until(() -> audit.events(deviceId, 0, Long.MAX_VALUE, null, 10_000)
                    .stream().map(DeviceEvent::eventId).collect(Collectors.toSet()).equals(accepted));
            await().atMost(Duration.ofSeconds(30)).until(() -> receiver.accepted().stream()
                    .map(WebhookReceiver.Request::eventId).collect(Collectors.toSet()).containsAll(accepted));
        }
    }
}
