package ap3000.gateway.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import ap3000.gateway.ExternalRedis;
import ap3000.gateway.Http;
import ap3000.gateway.RunningGateway;
import ap3000.gateway.device.DeviceSocket;
import ap3000.gateway.device.TestFrames;
import ap3000.gateway.notify.WebhookReceiver.Answer;
import ap3000.gateway.notify.WebhookReceiver.Request;
import redis.embedded.RedisServer;

/** Two gateway nodes on one Redis deliver from one outbox, and a device a dead worker held is taken over. */
class WebhookTwoNodeEndToEndTest {

    @Test
    void should_share_the_outbox_and_take_over_a_device_left_leased() throws Exception {
        int redisPort = RunningGateway.freePort();
        RedisServer redis = ExternalRedis.start(redisPort, Files.createTempDirectory("two-node-webhooks"));
        List<DeviceSocket> sockets = new ArrayList<>();
        // each request takes 50 ms, so that the fan-out node's own workers (woken at once) cannot take every device
        // before the other node's workers poll
        try (WebhookReceiver receiver = new WebhookReceiver().answer(r -> new Answer(200, Map.of(), 50));
             RunningGateway a = node("node-a", redisPort, receiver);
             RunningGateway b = node("node-b", redisPort, receiver)) {
            for (int i = 0; i < 20; i++) {
                sockets.add(online(i % 2 == 0 ? a : b, 0x04E00000 + i));
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> distinct(receiver).size() == 40);

            Set<String> nodes = new HashSet<>();
            for (String eventId : distinct(receiver)) {
                // the attempt is logged once the sender has the answer, which comes after the receiver saw the request
                Http.Answer answer = await().atMost(Duration.ofSeconds(5)).until(() -> Http.get(a.httpPort(),
                        "/api/v1/notifications/" + eventId + "/attempts", RunningGateway.API_KEY), found -> found.status() == 200);
                @SuppressWarnings("unchecked")
                List<Map<String, Object>> attempts = (List<Map<String, Object>>) answer.data().get("attempts");
                attempts.forEach(attempt -> nodes.add((String) attempt.get("node")));
            }
            assertThat(nodes).containsExactlyInAnyOrder("node-a", "node-b");

            // a worker that died holding a device: its lease (2 s here) runs out and a live worker goes on
            WebhookOutbox outbox = a.bean("webhookOutbox", WebhookOutbox.class);
            WebhookOutbox other = b.bean("webhookOutbox", WebhookOutbox.class);
            outbox.disable("sink", "test: hold the queue");
            other.disable("sink", "test: hold the queue"); // each node knows at once, not within a second
            sockets.get(0).send(TestFrames.heartbeat(0x04E00000, 2, 0, 0));
            sockets.get(0).readFrame();
            await().atMost(Duration.ofSeconds(10)).until(() -> outbox.depth("sink").get("events") >= 2);
            assertThat(outbox.claim("sink")).isPresent(); // taken, and never finished
            long leasedAt = System.currentTimeMillis();
            outbox.enable("sink");
            other.enable("sink");
            await().atMost(Duration.ofSeconds(15)).until(() -> distinct(receiver).size() == 43);
            long deliveredAt = receiver.accepted().stream().filter(r -> "device_heartbeat".equals(r.eventType()))
                    .mapToLong(Request::receivedAtMillis).max().orElseThrow();
            assertThat(deliveredAt - leasedAt).isGreaterThanOrEqualTo(1500);
        } finally {
            for (DeviceSocket socket : sockets) {
                socket.close();
            }
            redis.stop();
        }
    }

    private static RunningGateway node(String name, int redisPort, WebhookReceiver receiver) throws Exception {
        return RunningGateway.start(Map.of("gateway.redis.url", "redis://127.0.0.1:" + redisPort,
                "gateway.node-id", name, "notify.endpoints", "sink", "notify.endpoints.sink.url", receiver.url(),
                "notify.lease", "2s", "notify.poll-interval", "20ms", "notify.workers-per-endpoint", "4"));
    }

    private static DeviceSocket online(RunningGateway node, int physicalId) throws Exception {
        return DeviceSocket.online(node.tcpPort(), physicalId);
    }

    private static Set<String> distinct(WebhookReceiver receiver) {
        Set<String> ids = new HashSet<>();
        receiver.accepted().forEach(r -> ids.add(r.eventId()));
        return ids;
    }
}
