package ap3000.gateway.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import ap3000.gateway.RunningGateway;
import ap3000.gateway.ops.Metrics;
import ap3000.gateway.protocol.DnyFrame;
import ap3000.gateway.protocol.ServerCommands;

/**
 * The device port's guards against peers that hold sockets: a frame must complete within the frame timeout of its
 * first byte, and one source address may hold only so many connections. Real devices, whose frames arrive in a few
 * segments and who pause between frames, are not affected. The limit is on 127.0.0.1; the frame-timeout tests
 * connect from 127.0.0.2 so that their sockets never count against it.
 */
class DevicePortLimitsEndToEndTest {

    private static final Duration FRAME_TIMEOUT = Duration.ofSeconds(1);
    private static final int LIMIT = 3;
    private static final String OTHER_HOST = "127.0.0.2";
    private static final Duration WAIT = Duration.ofSeconds(10);

    private static RunningGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = RunningGateway.start(Map.of(
                "gateway.tcp.frame-timeout", FRAME_TIMEOUT.toMillis() + "ms",
                "gateway.tcp.max-connections-per-address", Integer.toString(LIMIT)));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    @Test
    void should_close_a_connection_that_dribbles_a_frame_one_byte_at_a_time() throws Exception {
        double before = frameTimeouts();
        byte[] heartbeat = TestFrames.heartbeat(0x04300001, 1, 0, 0).toBytes();
        CompletableFuture<Void> dribble;
        try (DeviceSocket socket = new DeviceSocket(gateway.tcpPort(), OTHER_HOST)) {
            socket.send(TestFrames.iccid());
            long start = System.nanoTime();
            dribble = dribble(socket, heartbeat);
            assertThat(socket.isClosedByGateway()).isTrue();
            Duration open = Duration.ofNanos(System.nanoTime() - start);
            // the whole frame would take 300 ms x its length; the gateway gave it the frame timeout
            assertThat(open).isBetween(FRAME_TIMEOUT.minusMillis(100), FRAME_TIMEOUT.plusMillis(1500));
        }
        dribble.get(5, TimeUnit.SECONDS);
        await().atMost(WAIT).until(DevicePortLimitsEndToEndTest::frameTimeouts, n -> n == before + 1);
    }

    @Test
    void should_close_a_connection_that_dribbles_its_iccid() throws Exception {
        double before = frameTimeouts();
        CompletableFuture<Void> dribble;
        try (DeviceSocket socket = new DeviceSocket(gateway.tcpPort(), OTHER_HOST)) {
            long start = System.nanoTime();
            dribble = dribble(socket, TestFrames.iccid());
            assertThat(socket.isClosedByGateway()).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(FRAME_TIMEOUT.plusMillis(1500));
        }
        dribble.get(5, TimeUnit.SECONDS);
        await().atMost(WAIT).until(DevicePortLimitsEndToEndTest::frameTimeouts, n -> n == before + 1);
    }

    @Test
    void should_answer_frames_that_arrive_in_segments_and_keep_a_device_that_pauses_between_frames()
            throws Exception {
        double before = frameTimeouts();
        int device = 0x04300002;
        DnyFrame first = TestFrames.heartbeat(device, 1, 0, 0);
        DnyFrame second = TestFrames.heartbeat(device, 2, 1, 0);
        byte[] firstBytes = first.toBytes();
        byte[] secondBytes = second.toBytes();
        try (DeviceSocket socket = new DeviceSocket(gateway.tcpPort(), OTHER_HOST)) {
            byte[] iccid = TestFrames.iccid();
            socket.send(Arrays.copyOfRange(iccid, 0, 12));
            Thread.sleep(150);
            socket.send(Arrays.copyOfRange(iccid, 12, iccid.length));
            // a frame in three segments, within the frame timeout
            socket.send(Arrays.copyOfRange(firstBytes, 0, 4));
            Thread.sleep(150);
            socket.send(Arrays.copyOfRange(firstBytes, 4, 11));
            Thread.sleep(150);
            socket.send(Arrays.copyOfRange(firstBytes, 11, firstBytes.length));
            assertThat(socket.readFrameHex()).isEqualTo(ServerCommands.ok(first).toHex());

            // silence longer than the frame timeout between whole frames and link keep-alives is normal
            Thread.sleep(FRAME_TIMEOUT.toMillis() + 500);
            socket.send("6C69");
            Thread.sleep(150);
            socket.send("6E6B");
            Thread.sleep(FRAME_TIMEOUT.toMillis() + 500);

            // a read that ends a link and starts a frame: the frame's time starts with that read
            socket.send(concat("6C696E6B", secondBytes, 0, 6));
            Thread.sleep(300);
            socket.send(Arrays.copyOfRange(secondBytes, 6, secondBytes.length));
            assertThat(socket.readFrameHex()).isEqualTo(ServerCommands.ok(second).toHex());
        }
        assertThat(frameTimeouts()).isEqualTo(before);
    }

    @Test
    void should_refuse_a_connection_over_the_per_address_limit_and_admit_one_when_another_closes()
            throws Exception {
        List<DeviceSocket> held = new ArrayList<>();
        try {
            for (int i = 0; i < LIMIT; i++) {
                held.add(online(0x04300010 + i));
            }
            double refusedBefore = refused();
            try (DeviceSocket fourth = new DeviceSocket(gateway.tcpPort())) {
                // closed at accept, long before any timeout could have closed it
                fourth.soTimeout(2_000);
                assertThat(fourth.isClosedByGateway()).isTrue();
            }
            assertThat(refused()).isEqualTo(refusedBefore + 1);
            for (int i = 0; i < LIMIT; i++) {
                assertAnswers(held.get(i), 0x04300010 + i, 2);
            }
            try (DeviceSocket otherHost = new DeviceSocket(gateway.tcpPort(), "127.0.0.3")) {
                otherHost.send(TestFrames.iccid());
                assertAnswers(otherHost, 0x04300020, 1);
            }

            held.remove(0).close();
            held.add(online(0x04300013));
            assertAnswers(held.get(LIMIT - 1), 0x04300013, 2);
        } finally {
            for (DeviceSocket socket : held) {
                socket.close();
            }
        }
    }

    @Test
    void should_not_leak_counted_connections_when_many_open_and_close() throws Exception {
        for (int i = 0; i < 50; i++) {
            try (DeviceSocket socket = new DeviceSocket(gateway.tcpPort())) {
                if (i % 2 == 0) {
                    socket.send(TestFrames.iccid());
                }
            } catch (IOException refused) {
                // the gateway may not have seen the last close yet: this one was refused
            }
        }
        // whatever was refused during the churn, once the gateway saw every close the full limit is open again
        List<DeviceSocket> held = new ArrayList<>();
        try {
            for (int i = 0; i < LIMIT; i++) {
                held.add(online(0x04300030 + i));
            }
            for (int i = 0; i < LIMIT; i++) {
                assertAnswers(held.get(i), 0x04300030 + i, 2);
            }
        } finally {
            for (DeviceSocket socket : held) {
                socket.close();
            }
        }
    }

    /** Sends the bytes one every 300 ms on another thread, until done or the socket fails. */
    private static CompletableFuture<Void> dribble(DeviceSocket socket, byte[] bytes) {
        return CompletableFuture.runAsync(() -> {
            try {
                for (byte b : bytes) {
                    socket.send(new byte[] {b});
                    Thread.sleep(300);
                }
            } catch (IOException | InterruptedException e) {
                // closed by the gateway (or by the test): the point of the exercise
            }
        });
    }

    private static void assertAnswers(DeviceSocket socket, int device, int messageId) throws IOException {
        DnyFrame heartbeat = TestFrames.heartbeat(device, messageId, 0, 0);
        socket.send(heartbeat);
        assertThat(socket.readFrameHex()).isEqualTo(ServerCommands.ok(heartbeat).toHex());
    }

    /**
     * A device online on a new connection from 127.0.0.1, once one is admitted: the gateway counts a connection
     * until it has seen it close, which may come a moment after the client closed.
     */
    private static DeviceSocket online(int device) {
        return await().atMost(WAIT).until(() -> onlineOrNull(device), Objects::nonNull);
    }

    /** A device online on a new connection from 127.0.0.1, or null when the gateway refused the connection. */
    private static DeviceSocket onlineOrNull(int device) throws IOException {
        DeviceSocket socket = new DeviceSocket(gateway.tcpPort());
        try {
            socket.send(TestFrames.iccid());
            DnyFrame register = TestFrames.register(device, 1);
            socket.send(register);
            socket.readFrame();
            return socket;
        } catch (IOException refused) {
            socket.close();
            return null;
        }
    }

    private static byte[] concat(String hex, byte[] bytes, int from, int to) {
        byte[] head = HexFormat.of().parseHex(hex.toLowerCase());
        byte[] all = Arrays.copyOf(head, head.length + to - from);
        System.arraycopy(bytes, from, all, head.length, to - from);
        return all;
    }

    private static double frameTimeouts() throws Exception {
        return Metrics.scrape(gateway.httpPort()).value("gateway_protocol_errors_total", "kind=\"frame_timeout\"");
    }

    private static double refused() throws Exception {
        return Metrics.scrape(gateway.httpPort()).value("gateway_connections_refused_total",
                "reason=\"per_address_limit\"");
    }
}
