package ap3000.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import ap3000.gateway.device.DeviceSocket;
import ap3000.gateway.device.TestFrames;
import ap3000.gateway.notify.WebhookReceiver;
import redis.embedded.RedisServer;

/**
 * The gateway in its own process, configured from the environment with every kind of secret it knows (API keys, a
 * Redis password, a cluster secret, a webhook secret, a webhook api-key and a token in a webhook URL), used, then
 * stopped: none of the secrets may appear in its log or in any answer of its HTTP port, from the API to health
 * details, metrics, Jolokia and the status page.
 */
class SecretsNeverLeaveEndToEndTest {

    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void should_keep_every_secret_out_of_the_log_and_every_http_answer() throws Exception {
        String unique = UUID.randomUUID().toString().replace("-", "");
        String apiKey = "apikey" + unique;
        String otherApiKey = "apikey2" + unique;
        String redisPassword = "redispw" + unique;
        String clusterSecret = "clustersecret" + unique;
        String urlToken = "urltoken" + unique;
        String downToken = "downtoken" + unique;
        String systemProperty = "sysprop" + unique;
        String hookApiKey = "hookkey" + unique;
        String webhookSecretBase64 = java.util.Base64.getEncoder().encodeToString(("whsecretbytes" + unique)
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        List<String> secrets = List.of(apiKey, otherApiKey, redisPassword, clusterSecret, urlToken, downToken,
                systemProperty, hookApiKey, webhookSecretBase64, webhookSecretBase64.substring(0, 24));

        Path dataDir = Files.createTempDirectory("secrets");
        Path redisDir = Files.createTempDirectory("secrets-redis");
        int redisPort = RunningGateway.freePort();
        int[] ports = RunningGateway.freePorts(2);
        RedisServer redis = RedisServer.newRedisServer().port(redisPort).bind("127.0.0.1")
                .setting("dir " + redisDir).setting("requirepass " + redisPassword).build();
        redis.start();
        Process gateway = null;
        List<String> answers = new ArrayList<>();
        try (WebhookReceiver receiver = new WebhookReceiver()) {
            Map<String, String> environment = new java.util.HashMap<>(Map.of(
                    "GATEWAY_HTTP_PORT", Integer.toString(ports[1]),
                    "GATEWAY_API_KEYS", apiKey + "," + otherApiKey,
                    "GATEWAY_REDIS_URL", "redis://:" + redisPassword + "@127.0.0.1:" + redisPort,
                    "GATEWAY_CLUSTER_SECRET", clusterSecret,
                    "NOTIFY_ENDPOINTS", "sink,down",
                    "NOTIFY_ENDPOINTS_SINK_URL", receiver.url() + "?token=" + urlToken,
                    "NOTIFY_ENDPOINTS_SINK_SECRET", "whsec_" + webhookSecretBase64,
                    "NOTIFY_ENDPOINTS_SINK_API_KEY", hookApiKey,
                    "LOG_LEVEL_AP3000", "DEBUG"));
            // a receiver that is never there: its failures are logged and dead-lettered, with their reasons
            environment.putAll(Map.of("NOTIFY_ENDPOINTS_DOWN_URL", "http://127.0.0.1:" + RunningGateway.freePort()
                            + "/down?token=" + downToken,
                    "NOTIFY_RETRY_SCHEDULE", "1s", "NOTIFY_RETRY_REDELIVERIES", "0", "NOTIFY_RETRY_DELAY_MS", "100"));
            gateway = GatewayProcess.start(dataDir, ports[0], environment, List.of("-Dprobe.secret=" + systemProperty));
            GatewayProcess.awaitListening(ports[0], gateway);
            int device = 0x04700001;
            try (DeviceSocket socket = new DeviceSocket(ports[0])) {
                socket.send(TestFrames.iccid());
                socket.send(TestFrames.register(device, 1));
                socket.readFrame();
                await().atMost(Duration.ofSeconds(30)).until(() -> !receiver.accepted().isEmpty());
            }
            assertThat(receiver.accepted().get(0).header("X-API-Key")).isEqualTo(hookApiKey);
            await().atMost(Duration.ofSeconds(30)).until(() -> Http.get(ports[1],
                    "/api/v1/notifications/dead-letters", apiKey).data().get("total") instanceof Number n
                    && n.intValue() > 0);

            for (String path : List.of("/", "/observe/health", "/observe/health?exposureLevel=full&data=true",
                    "/observe/health/ready?exposureLevel=full&data=true", "/observe/metrics",
                    "/observe/jolokia/read/org.apache.camel:*?ignoreErrors=true",
                    "/observe/jolokia/read/java.lang:*?ignoreErrors=true", "/observe/jolokia/list",
                    "/api/v1/openapi.json", "/api/v1/stats", "/api/v1/devices", "/api/v1/ops/status",
                    "/api/v1/ops/alerts", "/api/v1/notifications/endpoints", "/api/v1/notifications/dead-letters",
                    "/api/v1/device/04700001/status", "/api/v1/audit/stats", "/api/v1/nothing-here")) {
                HttpResponse<String> response = CLIENT.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + ports[1] + path)).header("X-API-Key", apiKey)
                        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
                answers.add(path + " " + response.statusCode() + " " + response.headers().map() + " "
                        + response.body());
            }
            assertThat(answers.get(4)).as("metrics are served").contains("gateway_");
            assertThat(answers.get(5)).as("Jolokia answers locally").contains("\"status\":200")
                    .contains("org.apache.camel:context=");
            assertThat(answers.get(14)).as("dead letters with their reasons").contains("down");
            HttpResponse<String> crossOrigin = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + ports[1] + "/observe/jolokia/read/java.lang:type=Memory")).header("Origin",
                    "https://evil.example").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(crossOrigin.headers().firstValue("Access-Control-Allow-Origin")).as("a page of another origin")
                    .isEmpty();
        } finally {
            if (gateway != null) {
                GatewayProcess.terminate(gateway);
                gateway.waitFor();
            }
            redis.stop();
        }
        String log = Files.readString(dataDir.resolve("gateway.log"));
        assertThat(log).as("the gateway ran and stopped").contains("Started device-ingress")
                .contains("shutdown");
        for (String secret : secrets) {
            assertThat(log).as("the log").doesNotContain(secret);
            for (String answer : answers) {
                assertThat(answer).as(answer.substring(0, answer.indexOf(' '))).doesNotContain(secret);
            }
        }
    }
}
