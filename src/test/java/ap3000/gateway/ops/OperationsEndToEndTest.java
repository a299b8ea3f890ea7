package ap3000.gateway.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.standardwebhooks.Webhook;

import ap3000.gateway.ExternalRedis;
import ap3000.gateway.Http;
import ap3000.gateway.RunningGateway;
import ap3000.gateway.device.DeviceSocket;
import ap3000.gateway.device.TestFrames;
import ap3000.gateway.notify.WebhookReceiver;
import ap3000.gateway.protocol.DnyFrame;
import redis.embedded.RedisServer;

/**
 * Operations through the real gateway: every gateway metric moves when its cause happens (real devices over TCP),
 * health turns not-ready with Redis down and ready again, and an alert fires, resolves and is silenced, reaching a
 * real HTTP receiver as a signed webhook.
 */
class OperationsEndToEndTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final ObjectMapper JSON = new ObjectMapper();

    private RunningGateway gateway;
    private WebhookReceiver receiver;
    private RedisServer redis;
    private final List<DeviceSocket> devices = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (DeviceSocket socket : devices) {
            socket.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        if (receiver != null) {
            receiver.close();
        }
        if (redis != null && redis.isActive()) {
            redis.stop();
        }
    }

    @Test
    void should_move_each_gateway_metric_when_its_cause_happens() throws Exception {
        gateway = RunningGateway.start(Map.of("ops.monitor-interval", "100ms",
                "gateway.downlink.ack-timeout", "300ms", "gateway.downlink.min-gap", "10ms",
                "ops.health.audit-lag-max", "1s"));
        int device = 0x04910001;
        DeviceSocket socket = online(device);
        socket.send(TestFrames.heartbeat(device, 2, 1, 0)); // port 1 charging
        socket.readFrame();
        socket.send("7A7A7A7A7A"); // garbage
        byte[] corrupt = TestFrames.heartbeat(device, 9, 1, 0).toBytes();
        corrupt[corrupt.length - 1] ^= 0x55; // a wrong checksum
        socket.send(corrupt);

        // a locate the device acks, and one it never answers (sent twice, then timed out)
        CompletableFuture<Http.Answer> acked = locate("04910001");
        DnyFrame command = socket.readFrame();
        socket.send(new DnyFrame(device, command.messageId(), command.command(), new byte[]{0}));
        assertThat(acked.get().data()).containsEntry("ok", true);
        CompletableFuture<Http.Answer> unanswered = locate("04910001");
        socket.readFrame();
        socket.readFrame();
        assertThat(unanswered.get().status()).isEqualTo(504);

        Metrics m = await().atMost(WAIT).until(() -> Metrics.scrape(gateway.httpPort()),
                s -> s.value("gateway_downlink_commands_total", "result=\"timed_out\"") == 1
                        && s.value("gateway_audit_batch_size_events_count") >= 1
                        && s.value("gateway_devices_charging_ports") == 1);
        assertThat(m.value("gateway_connections")).isEqualTo(1);
        assertThat(m.value("gateway_devices_online")).isEqualTo(1);
        assertThat(m.value("gateway_frames_total", "command=\"0x20\"", "direction=\"in\"", "name=\"register\""))
                .isEqualTo(1);
        assertThat(m.value("gateway_frames_total", "command=\"0x21\"", "direction=\"in\"")).isEqualTo(1);
        assertThat(m.value("gateway_frames_total", "command=\"0x20\"", "direction=\"out\"")).isEqualTo(1);
        assertThat(m.value("gateway_frames_total", "command=\"0x96\"", "direction=\"out\"")).isEqualTo(3);
        assertThat(m.value("gateway_frames_total", "command=\"0x96\"", "direction=\"in\"")).isEqualTo(1);
        assertThat(m.value("gateway_protocol_errors_total", "kind=\"garbage\"")).isGreaterThanOrEqualTo(1);
        assertThat(m.value("gateway_protocol_errors_total", "kind=\"bad_checksum\"")).isEqualTo(1);
        assertThat(m.value("gateway_events_total", "type=\"device_online\"")).isEqualTo(1);
        assertThat(m.value("gateway_events_total", "type=\"device_register\"")).isEqualTo(1);
        assertThat(m.value("gateway_downlink_commands_total", "command=\"0x96\"", "result=\"acked\"")).isEqualTo(1);
        assertThat(m.value("gateway_audit_write_seconds_count")).isGreaterThanOrEqualTo(1);
        assertThat(m.value("gateway_audit_lag_seconds")).isGreaterThanOrEqualTo(0);
        // Camel's own route metrics are on the same page
        assertThat(m.text()).contains("routeId=\"device-ingress\"");

        // JMX through Jolokia, read-only: Camel's route statistics can be read, operations are refused
        // the context's JMX name, which is not always its own: a context another test left registered takes it first
        String read = Http.text(gateway.httpPort(), "/observe/jolokia/read/org.apache.camel:context="
                + gateway.context().getManagementName() + ",type=routes,name=%22device-ingress%22/ExchangesTotal")
                .body();
        assertThat(JSON.readTree(read).path("status").asInt()).isEqualTo(200);
        assertThat(JSON.readTree(read).path("value").asLong()).isGreaterThanOrEqualTo(4);
        String exec = Http.text(gateway.httpPort(), "/observe/jolokia/exec/java.lang:type=Memory/gc").body();
        assertThat(JSON.readTree(exec).path("status").asInt()).isEqualTo(403);

        // the audit stops writing: its lag grows past the bound and the node is not ready until it catches up
        gateway.context().getRouteController().stopRoute("audit-batch");
        // port 1 stops charging: a heartbeat that changed something is journaled (an unchanged one is only summarized)
        socket.send(TestFrames.heartbeat(device, 3, 0, 0));
        socket.readFrame();
        await().atMost(WAIT).until(() -> Metrics.scrape(gateway.httpPort()).value("gateway_audit_lag_seconds") > 1);
        await().atMost(WAIT).until(() -> Http.text(gateway.httpPort(), "/observe/health/ready").status() == 503);
        assertThat(Http.text(gateway.httpPort(), "/observe/health/live").status()).isEqualTo(200);
        gateway.context().getRouteController().startRoute("audit-batch");
        await().atMost(WAIT).until(() -> Http.text(gateway.httpPort(), "/observe/health/ready").status() == 200);
        assertThat(Metrics.scrape(gateway.httpPort()).value("gateway_audit_lag_seconds")).isZero();

        socket.close();
        await().atMost(WAIT).until(() -> Metrics.scrape(gateway.httpPort()).value("gateway_connections") == 0);
        assertThat(Metrics.scrape(gateway.httpPort()).value("gateway_events_total", "type=\"device_offline\""))
                .isEqualTo(1);
    }

    @Test
    void should_not_be_ready_while_redis_is_down_and_be_ready_again_when_it_returns() throws Exception {
        int port = RunningGateway.freePort();
        Path dir = Files.createTempDirectory("ops-redis");
        redis = ExternalRedis.start(port, dir);
        gateway = RunningGateway.start(Map.of("gateway.redis.url", "redis://127.0.0.1:" + port,
                "gateway.redis.timeout", "300ms"));
        assertThat(Http.text(gateway.httpPort(), "/observe/health/ready").status()).isEqualTo(200);

        redis.stop();
        Http.Text ready = Http.text(gateway.httpPort(), "/observe/health/ready?exposureLevel=full");
        assertThat(ready.status()).isEqualTo(503);
        assertThat(ready.body()).contains("\"name\":\"redis\",\"status\":\"DOWN\"");
        Http.Text live = Http.text(gateway.httpPort(), "/observe/health/live");
        assertThat(live.status()).isEqualTo(200);

        redis = ExternalRedis.start(port, dir);
        await().atMost(WAIT).until(() -> Http.text(gateway.httpPort(), "/observe/health/ready").status() == 200);
    }

    @Test
    void should_fire_resolve_and_silence_an_alert_and_send_it_as_a_signed_webhook() throws Exception {
        receiver = new WebhookReceiver();
        Map<String, String> properties = new HashMap<>();
        properties.put("ops.monitor-interval", "100ms");
        properties.put("notify.endpoints", "ops");
        properties.put("notify.endpoints.ops.url", receiver.url());
        properties.put("notify.endpoints.ops.secret", SECRET);
        properties.put("notify.endpoints.ops.event-types", "alert_firing,alert_resolved");
        properties.put("alerts.endpoints", "ops");
        properties.put("alerts.devices-drop.percent", "50");
        properties.put("alerts.devices-drop.min-devices", "2");
        properties.put("alerts.devices-drop.window", "1m");
        properties.put("alerts.silence", "1h");
        gateway = RunningGateway.start(properties);

        List<DeviceSocket> two = List.of(online(0x04920001), online(0x04920002));
        await().atMost(WAIT).until(() -> Metrics.scrape(gateway.httpPort()).value("gateway_devices_online") == 2);
        monitorTicks(2); // the rules sample online devices on each tick
        for (DeviceSocket socket : two) {
            socket.close();
        }
        WebhookReceiver.Request firing = await().atMost(WAIT).until(() -> receiver.accepted(),
                list -> !list.isEmpty()).get(0);
        assertThat(firing.eventType()).isEqualTo("alert_firing");
        new Webhook(SECRET).verify(firing.body(), firing.headers());
        JsonNode data = JSON.readTree(firing.body()).path("data");
        assertThat(data.path("rule").asText()).isEqualTo("devices_drop");
        // the contract's receivers require event_id, event_type and device_id: the node that raised the alert
        assertThat(firing.json()).containsKeys("event_id", "event_type")
                .containsEntry("device_id", data.path("node").asText());
        assertThat(data.path("node").asText()).isNotBlank();
        // the two devices leave one after the other: a tick may see the first half of the drop, which is enough
        assertThat(data.path("value").asDouble()).isGreaterThanOrEqualTo(50.0);
        assertThat(data.path("message").asText()).contains("devices online, 2 at most within the last 1m");
        assertThat(Metrics.scrape(gateway.httpPort()).value("gateway_alerts_active", "rule=\"devices_drop\""))
                .isEqualTo(1);

        List<DeviceSocket> back = List.of(online(0x04920001), online(0x04920002));
        await().atMost(WAIT).until(() -> Metrics.scrape(gateway.httpPort()).value("gateway_devices_online") == 2);
        await().atMost(WAIT).until(() -> receiver.accepted().size() == 2);
        assertThat(receiver.accepted().get(1).eventType()).isEqualTo("alert_resolved");
        Metrics m = Metrics.scrape(gateway.httpPort());
        assertThat(m.value("gateway_alerts_total", "rule=\"devices_drop\"", "state=\"firing\"")).isEqualTo(1);
        assertThat(m.value("gateway_alerts_total", "rule=\"devices_drop\"", "state=\"resolved\"")).isEqualTo(1);
        assertThat(m.value("gateway_alerts_active", "rule=\"devices_drop\"")).isZero();

        // the same drop again within the silence window: counted and logged, not sent
        monitorTicks(2);
        for (DeviceSocket socket : back) {
            socket.close();
        }
        await().atMost(WAIT).until(() -> Metrics.scrape(gateway.httpPort())
                .value("gateway_alerts_total", "rule=\"devices_drop\"", "state=\"silenced\"") == 1);
        List<?> recent = (List<?>) Http.get(gateway.httpPort(), "/api/v1/ops/alerts", RunningGateway.API_KEY).data().get("alerts");
        assertThat(recent).hasSize(2);
        assertThat(receiver.accepted()).hasSize(2);
        assertThat(receiver.received()).hasSize(2);

        // every series the Grafana dashboard plots exists (downlink results appear with the first command)
        String scraped = Metrics.scrape(gateway.httpPort()).text();
        Matcher names = Pattern.compile("\\b((?:gateway|camel|jvm)_[a-z_]+)").matcher(
                Files.readString(Path.of("docker/grafana/dashboards/ap3000-gateway.json")));
        while (names.find()) {
            if (!names.group(1).equals("gateway_downlink_commands_total")) {
                assertThat(scraped).as("dashboard series %s", names.group(1)).contains(names.group(1));
            }
        }
    }

    /** Waits until the ops-monitor route has run this many more times. */
    private void monitorTicks(int ticks) throws Exception {
        String routeId = "routeId=\"ops-monitor\"";
        double now = Metrics.scrape(gateway.httpPort()).value("camel_exchanges_total", routeId);
        await().atMost(WAIT).until(() -> Metrics.scrape(gateway.httpPort()).value("camel_exchanges_total", routeId)
                >= now + ticks);
    }

    private DeviceSocket online(int physicalId) throws Exception {
        DeviceSocket socket = DeviceSocket.online(gateway.tcpPort(), physicalId);
        devices.add(socket);
        return socket;
    }

    private CompletableFuture<Http.Answer> locate(String deviceId) {
        return CompletableFuture.supplyAsync(() -> Http.unchecked(() -> Http.post(gateway.httpPort(),
                "/api/v1/device/locate?view=gateway", RunningGateway.API_KEY,
                "{\"deviceId\": \"" + deviceId + "\", \"locateTime\": 5}")));
    }
}
