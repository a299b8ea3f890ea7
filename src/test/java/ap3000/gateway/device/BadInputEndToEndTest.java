package ap3000.gateway.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import ap3000.gateway.RunningGateway;
import ap3000.gateway.protocol.DnyFrame;
import ap3000.gateway.protocol.ProtocolErrors;
import ap3000.gateway.protocol.ServerCommands;

/** Bad input loses nothing and harms no healthy device: every kind is counted and the stream resyncs. */
class BadInputEndToEndTest {

    private static RunningGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = RunningGateway.start(Map.of(
                "gateway.tcp.identify-timeout", "1s",
                "gateway.tcp.read-idle", "2s"));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    @Test
    void should_resync_after_garbage_bad_checksums_and_oversized_lengths_on_one_connection() throws Exception {
        ProtocolErrors errors = gateway.bean("protocolErrors", ProtocolErrors.class);
        long garbage = errors.count(ProtocolErrors.Kind.GARBAGE);
        long checksum = errors.count(ProtocolErrors.Kind.BAD_CHECKSUM);
        long length = errors.count(ProtocolErrors.Kind.BAD_LENGTH);
        int device = 0x04200001;
        DnyFrame heartbeat = TestFrames.heartbeat(device, 1, 0);
        byte[] badChecksum = TestFrames.heartbeat(device, 2, 0).toBytes();
        badChecksum[badChecksum.length - 1] ^= 0x55;

        try (DeviceSocket socket = new DeviceSocket(gateway.tcpPort())) {
            socket.send(TestFrames.iccid());
            socket.send("00FF13370042");            // garbage
            socket.send(badChecksum);               // bad checksum
            socket.send("444E59FFFF0102030405");    // length 65535
            socket.send(heartbeat);
            assertThat(socket.readFrameHex()).isEqualTo(ServerCommands.ok(heartbeat).toHex());
        }
        assertThat(errors.count(ProtocolErrors.Kind.GARBAGE)).isGreaterThan(garbage);
        assertThat(errors.count(ProtocolErrors.Kind.BAD_CHECKSUM)).isEqualTo(checksum + 1);
        assertThat(errors.count(ProtocolErrors.Kind.BAD_LENGTH)).isEqualTo(length + 1);
    }

    @Test
    void should_close_a_connection_that_never_identifies_itself() throws Exception {
        try (DeviceSocket socket = new DeviceSocket(gateway.tcpPort())) {
            socket.soTimeout(5_000);
            assertThat(socket.isClosedByGateway()).isTrue();
        }
    }

    @Test
    void should_close_a_connection_that_sends_half_a_frame_then_nothing() throws Exception {
        try (DeviceSocket socket = new DeviceSocket(gateway.tcpPort())) {
            socket.send(TestFrames.iccid());
            socket.send("444E591000F36CA204");
            socket.soTimeout(8_000);
            assertThat(socket.isClosedByGateway()).isTrue();
        }
    }

    @Test
    void should_keep_serving_a_healthy_device_while_ten_thousand_connections_send_random_bytes() throws Exception {
        ProtocolErrors errors = gateway.bean("protocolErrors", ProtocolErrors.class);
        long errorsBefore = totalErrors(errors);
        int connections = 10_000;
        AtomicInteger sent = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(64);
        List<Future<?>> noise = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            int seed = i;
            noise.add(pool.submit(() -> {
                byte[] bytes = new byte[64 + new Random(seed).nextInt(512)];
                new Random(seed).nextBytes(bytes);
                try (Socket s = new Socket("127.0.0.1", gateway.tcpPort())) {
                    OutputStream out = s.getOutputStream();
                    out.write(bytes);
                    out.flush();
                    sent.incrementAndGet();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
                return null;
            }));
        }

        int device = 0x04200002;
        int replies = 0;
        try (DeviceSocket healthy = new DeviceSocket(gateway.tcpPort())) {
            healthy.send(TestFrames.iccid());
            for (int msg = 1; !allDone(noise) || msg <= 50; msg++) {
                DnyFrame heartbeat = TestFrames.heartbeat(device, msg, 0, 0);
                healthy.send(heartbeat);
                assertThat(healthy.readFrameHex()).isEqualTo(ServerCommands.ok(heartbeat).toHex());
                replies++;
            }
        }
        for (Future<?> f : noise) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertThat(sent.get()).isEqualTo(connections);
        assertThat(replies).isGreaterThanOrEqualTo(50);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(
                () -> assertThat(totalErrors(errors) - errorsBefore).isGreaterThanOrEqualTo(connections));
    }

    private static boolean allDone(List<Future<?>> futures) {
        return futures.stream().allMatch(Future::isDone);
    }

    private static long totalErrors(ProtocolErrors errors) {
        long total = 0;
        for (ProtocolErrors.Kind kind : ProtocolErrors.Kind.values()) {
            total += errors.count(kind);
        }
        return total;
    }
}
