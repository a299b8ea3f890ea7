package ap3000.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import ap3000.gateway.Http;
import ap3000.gateway.RunningGateway;
import ap3000.gateway.api.NodeMessages.Request;
import ap3000.gateway.device.DeviceOwnership;
import ap3000.gateway.device.DeviceSocket;
import ap3000.gateway.ops.Metrics;
import ap3000.gateway.protocol.DeviceIds;
import ap3000.gateway.protocol.DnyFrame;
import redis.clients.jedis.RedisClient;
import redis.embedded.RedisServer;

/**
 * What anyone who can publish to the shared Redis gets from a node's request channel: nothing. Messages come from a
 * plain Redis client; the serving node is the real gateway with a device on a real socket.
 */
class NodeRequestSecurityEndToEndTest {

    private static final String KEY = "node-security-key";
    private static final String SECRET = "the-cluster-secret-of-at-least-32-characters";
    private static final String OTHER_SECRET = "another-cluster-secret-of-at-least-32-chars";
    private static final String REFUSED = "gateway_node_requests_refused_total";
    private static RedisServer redis;
    private static RedisClient client;
    private static RunningGateway serving;
    private static RunningGateway otherSecret;

    @BeforeAll
    static void start() throws Exception {
        int port = RunningGateway.freePort();
        redis = RedisServer.newRedisServer().port(port).bind("127.0.0.1")
                .setting("dir " + Files.createTempDirectory("node-security")).build();
        redis.start();
        client = RedisClient.create("127.0.0.1", port);
        String url = "redis://127.0.0.1:" + port;
        serving = RunningGateway.start(Map.of("gateway.redis.url", url, "gateway.node-id", "node-s",
                "gateway.api.keys", KEY, "gateway.cluster.secret", SECRET));
        otherSecret = RunningGateway.start(Map.of("gateway.redis.url", url, "gateway.node-id", "node-x",
                "gateway.api.keys", KEY, "gateway.cluster.secret", OTHER_SECRET,
                "gateway.downlink.ack-timeout", "1s", "gateway.downlink.answer-margin", "1s"));
    }

    @AfterAll
    static void stop() throws Exception {
        otherSecret.close();
        serving.close();
        client.close();
        redis.stop();
    }

    @Test
    void should_run_no_endpoint_named_in_a_message_of_the_old_format() throws Exception {
        int device = 0x04910001;
        Path dir = Files.createTempDirectory("node-security-proof");
        try (DeviceSocket socket = DeviceSocket.online(serving.tcpPort(), device)) {
            double before = refused("bad_signature");
            publishToServing(oldFormat("file:" + dir + "?fileName=proof.txt", "{}"));
            publishToServing(oldFormat("bean:deviceApi?method=reboot", "{\"deviceId\": \"04910001\"}"));

            await().atMost(Duration.ofSeconds(10)).until(() -> refused("bad_signature") == before + 2);
            assertThat(dir.resolve("proof.txt")).doesNotExist();
            assertNextCommandIsALocate(socket, device);
        }
    }

    @Test
    void should_send_nothing_to_the_device_for_a_reboot_signed_with_another_secret() throws Exception {
        int device = 0x04910002;
        try (DeviceSocket socket = DeviceSocket.online(serving.tcpPort(), device)) {
            double before = refused("bad_signature");
            publishToServing(new NodeMessages(new NodeMessageSigner(OTHER_SECRET, ""), "node-t", Clock.systemUTC())
                    .seal(Request.of("node-t", "node-s", NodeOperation.DEVICE_REBOOT, Map.of(),
                            Map.of("deviceId", DeviceIds.format(device)), System.currentTimeMillis())));

            await().atMost(Duration.ofSeconds(10)).until(() -> refused("bad_signature") == before + 1);
            assertNextCommandIsALocate(socket, device);
        }
    }

    @Test
    void should_refuse_an_operation_outside_the_list_even_when_signed() throws Exception {
        double before = refused("unknown_operation");
        publishToServing(signed(new Request(NodeMessages.VERSION, "request", UUID.randomUUID(), "node-t", "node-s",
                "file:/tmp?fileName=proof.txt", System.currentTimeMillis(), Map.of(), Map.of())));

        await().atMost(Duration.ofSeconds(10)).until(() -> refused("unknown_operation") == before + 1);
    }

    @Test
    void should_refuse_a_header_outside_the_allowed_ones_even_when_signed() throws Exception {
        double before = refused("header_not_allowed");
        publishToServing(signed(Request.of("node-t", "node-s", NodeOperation.DEVICE_STATUS,
                Map.of("deviceId", "04910005", "CamelHttpUri", "/elsewhere"), null, System.currentTimeMillis())));

        await().atMost(Duration.ofSeconds(10)).until(() -> refused("header_not_allowed") == before + 1);
    }

    @Test
    void should_run_a_signed_request_once_and_refuse_it_when_published_again() throws Exception {
        int device = 0x04910003;
        try (DeviceSocket socket = DeviceSocket.online(serving.tcpPort(), device)) {
            String locate = signed(Request.of("node-t", "node-s", NodeOperation.DEVICE_LOCATE, Map.of(),
                    Map.of("deviceId", DeviceIds.format(device), "locateTime", 5), System.currentTimeMillis()));
            publishToServing(locate);
            DnyFrame first = socket.readFrame();
            assertThat(first.command()).isEqualTo(0x96);
            socket.send(new DnyFrame(device, first.messageId(), 0x96, new byte[]{0}));

            double before = refused("replay");
            publishToServing(locate);
            await().atMost(Duration.ofSeconds(10)).until(() -> refused("replay") == before + 1);
            assertNextCommandIsALocate(socket, device);
        }
    }

    @Test
    void should_refuse_a_signed_request_sent_longer_ago_than_the_clock_skew() throws Exception {
        double before = refused("stale");
        long longAgo = System.currentTimeMillis() - NodeMessages.CLOCK_SKEW.toMillis() - 5_000;
        publishToServing(signed(new Request(NodeMessages.VERSION, "request", UUID.randomUUID(), "node-t", "node-s",
                NodeOperation.DEVICE_STATUS.operationName(), longAgo, Map.of("deviceId", "04910005"), null)));

        await().atMost(Duration.ofSeconds(10)).until(() -> refused("stale") == before + 1);
    }

    @Test
    void should_answer_504_within_the_answer_time_when_the_nodes_have_different_secrets() throws Exception {
        int device = 0x04910004;
        try (DeviceSocket socket = DeviceSocket.online(serving.tcpPort(), device)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> otherSecret.bean("deviceOwnership",
                    DeviceOwnership.class).ownerOf(device).orElse("").equals("node-s"));
            double before = refused("bad_signature");
            long started = System.nanoTime();

            Http.Answer answer = Http.post(otherSecret.httpPort(), "/api/v1/device/reboot", KEY,
                    "{\"deviceId\": \"" + DeviceIds.format(device) + "\"}");

            // node-x waits 2 x 1 s for the device, 1 s of margin and 5 s for the other node: 8 s
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(15));
            assertThat(answer.status()).isEqualTo(504);
            assertThat((String) answer.body().get("message")).contains("node-s").contains("cluster secret");
            assertThat(refused("bad_signature")).isEqualTo(before + 1);
            assertNextCommandIsALocate(socket, device);
        }
    }

    /** The test's own signer: the production message types and signer, under the serving node's secret. */
    private static String signed(Request request) throws Exception {
        return new NodeMessages(new NodeMessageSigner(SECRET, ""), "node-t", Clock.systemUTC()).seal(request);
    }

    /** A request as nodes sent them before they were signed: it named the endpoint to run. */
    private static String oldFormat(String route, String body) throws Exception {
        return new ObjectMapper().writeValueAsString(Map.of("id", UUID.randomUUID().toString(),
                "reply_to", "gateway:node:node-t:replies", "route", route, "headers", Map.of(),
                "body", new ObjectMapper().readValue(body, Map.class)));
    }

    private static void publishToServing(String message) {
        assertThat(client.publish("gateway:node:node-s:requests", message)).isEqualTo(1);
    }

    private static double refused(String reason) throws Exception {
        return Metrics.scrape(serving.httpPort()).value(REFUSED, "reason=\"" + reason + "\"");
    }

    /** A locate asked over the serving node's own API is the next command the device gets: nothing came before it. */
    private static void assertNextCommandIsALocate(DeviceSocket socket, int device) throws Exception {
        CompletableFuture<Http.Answer> locate = CompletableFuture.supplyAsync(() -> Http.unchecked(() ->
                Http.post(serving.httpPort(), "/api/v1/device/locate", KEY,
                        "{\"deviceId\": \"" + DeviceIds.format(device) + "\", \"locateTime\": 5}")));
        DnyFrame next = socket.readFrame();
        assertThat(next.command()).isEqualTo(0x96);
        socket.send(new DnyFrame(device, next.messageId(), 0x96, new byte[]{0}));
        assertThat(locate.get().status()).isEqualTo(200);
    }
}
