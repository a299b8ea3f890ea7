package ap3000.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import ap3000.gateway.Http;
import ap3000.gateway.RunningGateway;
import ap3000.gateway.device.DeviceOwnership;
import ap3000.gateway.device.DeviceSocket;
import ap3000.gateway.device.TestFrames;
import ap3000.gateway.protocol.DnyFrame;
import redis.embedded.RedisServer;

/** Two gateway nodes share one Redis; a command for a device connected to the other node is forwarded there. */
class TwoNodeForwardEndToEndTest {

    private static final String KEY = "two-node-key";
    private static final String CLUSTER_SECRET = "two-node-cluster-secret-of-32-characters-or-more";
    private static RedisServer redis;
    private static RunningGateway nodeA;
    private static RunningGateway nodeB;

    @BeforeAll
    static void start() throws Exception {
        int port = RunningGateway.freePort();
        redis = RedisServer.newRedisServer().port(port).bind("127.0.0.1")
                .setting("dir " + Files.createTempDirectory("two-node")).build();
        redis.start();
        String url = "redis://127.0.0.1:" + port;
        nodeA = RunningGateway.start(Map.of("gateway.redis.url", url, "gateway.node-id", "node-a",
                "gateway.api.keys", KEY, "gateway.downlink.ack-timeout", "1s",
                "gateway.cluster.secret", CLUSTER_SECRET));
        nodeB = RunningGateway.start(Map.of("gateway.redis.url", url, "gateway.node-id", "node-b",
                "gateway.api.keys", KEY, "gateway.downlink.ack-timeout", "1s",
                "gateway.cluster.secret", CLUSTER_SECRET));
    }

    @AfterAll
    static void stop() throws Exception {
        nodeA.close();
        nodeB.close();
        redis.stop();
    }

    @Test
    void should_forward_a_start_to_the_node_holding_the_device_and_answer_with_its_result() throws Exception {
        int device = 0x04900001;
        try (DeviceSocket socket = new DeviceSocket(nodeB.tcpPort())) {
            socket.send(TestFrames.iccid());
            socket.send(TestFrames.register(device, 1));
            socket.readFrame();
            DeviceOwnership ownership = nodeA.bean("deviceOwnership", DeviceOwnership.class);
            await().atMost(Duration.ofSeconds(5)).until(() -> ownership.ownerOf(device).orElse("").equals("node-b"));

            CompletableFuture<Http.Answer> start = CompletableFuture.supplyAsync(() -> Http.unchecked(() ->
                    Http.post(nodeA.httpPort(), "/api/v1/charging/start?view=gateway", KEY, """
                            {"deviceId": "04900001", "port": 2, "mode": 0, "value": 60, "orderNo": "TWO_NODE_01", "balance": 1}
                            """)));
            DnyFrame command = socket.readFrame();
            assertThat(command.command()).isEqualTo(0x82);
            socket.send(TestFrames.chargeAck(device, command.messageId(), 0, "TWO_NODE_01", 2));
            Http.Answer answer = start.get();
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.data()).containsEntry("started", true).containsEntry("message_id", command.messageId())
                    .containsEntry("order_no", "TWO_NODE_01");

            Http.Answer status = Http.get(nodeA.httpPort(), "/api/v1/device/04900001/status?view=gateway", KEY);
            assertThat(status.status()).isEqualTo(200);
            assertThat(status.data()).containsEntry("device_id", "04900001").containsEntry("iccid", TestFrames.ICCID);

            // refusals come back from the other node just the same
            Http.Answer busy = Http.post(nodeA.httpPort(), "/api/v1/charging/start?view=gateway", KEY, """
                    {"deviceId": "04900001", "port": 2, "mode": 0, "value": 60, "orderNo": "TWO_NODE_02", "balance": 1}
                    """);
            assertThat(busy.status()).isEqualTo(409);
        }
        Http.Answer gone = Http.unchecked(() -> {
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    nodeA.bean("deviceOwnership", DeviceOwnership.class).ownerOf(device).isEmpty());
            return Http.get(nodeA.httpPort(), "/api/v1/device/04900001/status?view=gateway", KEY);
        });
        assertThat(gone.status()).isEqualTo(404);
    }

}
