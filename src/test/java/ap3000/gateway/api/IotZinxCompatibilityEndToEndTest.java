package ap3000.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import ap3000.gateway.Http;
import ap3000.gateway.RunningGateway;
import ap3000.gateway.device.DeviceSocket;
import ap3000.gateway.device.TestFrames;
import ap3000.gateway.protocol.DnyFrame;
import ap3000.gateway.protocol.OrderNumber;

/**
 * IoT-Zinx's HTTP API, called as a platform written for it calls it, against the real gateway and a device on TCP.
 * Requests and answers are IoT-Zinx's (taoyao-code/iot-zinx, internal/adapter/http/: models.go for the request
 * and answer types, charging_handlers.go, device_handlers.go, gateway_handlers.go for the status codes, messages
 * and JSON names). One test per endpoint.
 */
class IotZinxCompatibilityEndToEndTest {

    private static final String KEY = "iot-zinx-compat-key";
    private static RunningGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = RunningGateway.start(Map.of("gateway.api.keys", KEY, "gateway.downlink.ack-timeout", "1s",
                "gateway.downlink.answer-margin", "2s"));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    /** charging_handlers.go HandleStartCharging with models.go ChargingStartParams; mode optional. */
    @Test
    void should_start_charging_as_iot_zinx_answering_once_the_command_is_sent() throws Exception {
        try (DeviceSocket socket = DeviceSocket.online(gateway.tcpPort(), 0x04CEAA40)) {
            // models.go example, with a 16-character order (the device holds 16)
            Http.Answer answer = post("/api/v1/charging/start", """
                    {"deviceId": "04ceaa40", "port": 1, "value": 60, "orderNo": "ORDER_2025061900", "balance": 1000}
                    """);
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.body()).containsEntry("code", 0).containsEntry("message", "充电启动成功");
            // ChargingActionResponse: the ID as given, standardId, mode 0 left out as Go's omitempty does
            assertThat(answer.data()).containsEntry("deviceId", "04ceaa40").containsEntry("standardId", "04CEAA40")
                    .containsEntry("port", 1).containsEntry("orderNo", "ORDER_2025061900").containsEntry("value", 60)
                    .containsEntry("balance", 1000).containsEntry("action", "start").doesNotContainKey("mode");
            assertThat(((Number) answer.data().get("timestamp")).longValue())
                    .isCloseTo(System.currentTimeMillis() / 1000, org.assertj.core.data.Offset.offset(60L));
            DnyFrame command = socket.readFrame();
            assertThat(command.command()).isEqualTo(0x82);
            assertThat(command.data()[0]).isEqualTo((byte) 0); // mode 0 by default
            socket.send(TestFrames.chargeAck(0x04CEAA40, command.messageId(), 0, "ORDER_2025061900", 1));
        }
        Http.Answer missingOrder = post("/api/v1/charging/start", "{\"deviceId\": \"04ceaa40\", \"port\": 1, \"value\": 60}");
        assertThat(missingOrder.status()).isEqualTo(400);
        assertThat(missingOrder.body()).containsEntry("code", 400).containsEntry("message", "订单号不能为空");
        Http.Answer portZero = post("/api/v1/charging/start",
                "{\"deviceId\": \"04ceaa40\", \"port\": 0, \"value\": 60, \"orderNo\": \"O1\"}");
        assertThat(portZero.body()).containsEntry("code", 400).containsEntry("message", "端口号不能为0");
        Http.Answer badId = post("/api/v1/charging/start",
                "{\"deviceId\": \"XYZ\", \"port\": 1, \"value\": 60, \"orderNo\": \"O1\"}");
        assertThat(badId.status()).isEqualTo(400);
        assertThat((String) badId.body().get("message")).startsWith("DeviceID格式错误");
        assertThat(badId.data()).containsEntry("hint", IotZinx.ID_HINT);
        await().atMost(Duration.ofSeconds(10)).until(() -> post("/api/v1/charging/start",
                "{\"deviceId\": \"04ceaa40\", \"port\": 1, \"value\": 60, \"orderNo\": \"O2\"}").status() == 503);
        assertThat(post("/api/v1/charging/start",
                "{\"deviceId\": \"04ceaa40\", \"port\": 1, \"value\": 60, \"orderNo\": \"O2\"}").body())
                .containsEntry("code", 503).containsEntry("message", "设备不在线");
    }

    /** A six-digit ID is hex digits with 04 in front (pkg/utils/device_id_processor.go SmartConvertDeviceID). */
    @Test
    void should_send_to_the_device_iot_zinx_would_for_six_digits() throws Exception {
        try (DeviceSocket socket = DeviceSocket.online(gateway.tcpPort(), 0x04123456)) {
            Http.Answer answer = post("/api/v1/device/locate", "{\"deviceId\": \"123456\", \"locateTime\": 10}");
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.body()).containsEntry("code", 0).containsEntry("message", "定位命令发送成功");
            // device_handlers.go HandleDeviceLocate
            assertThat(answer.data()).isEqualTo(Map.of("deviceId", "123456", "standardId", "04123456",
                    "action", "locate", "locateTime", 10));
            DnyFrame command = socket.readFrame();
            assertThat(command.physicalId()).isEqualTo(0x04123456);
            assertThat(command.command()).isEqualTo(0x96);
            assertThat(command.data()).containsExactly(10);
        }
        Http.Answer noTime = post("/api/v1/device/locate", "{\"deviceId\": \"123456\"}");
        assertThat(noTime.status()).isEqualTo(400);
        assertThat(noTime.body()).containsEntry("message", "参数错误");
        assertThat(noTime.data()).containsEntry("error", "locateTime: is required");
    }

    @SuppressWarnings("unchecked")
    /** charging_handlers.go HandleStopCharging with ChargingStopParams: orderNo optional, idempotent, 409 for another. */
    @Test
    void should_stop_charging_as_iot_zinx_with_or_without_the_order_number() throws Exception {
        int device = 0x04CEAA41;
        try (DeviceSocket socket = DeviceSocket.online(gateway.tcpPort(), device)) {
            Http.Answer idle = post("/api/v1/charging/stop", "{\"deviceId\": \"04CEAA41\", \"port\": 1}");
            assertThat(idle.status()).isEqualTo(200);
            assertThat(idle.body()).containsEntry("code", 0).containsEntry("message", "充电已停止(幂等)");
            assertThat(idle.data()).containsEntry("idempotent", true);
            assertThat((Map<String, Object>) idle.data().get("detail")).containsEntry("action", "stop")
                    .containsEntry("standardId", "04CEAA41").doesNotContainKey("orderNo");

            startAndAck(socket, device, "STOP_ME");
            Http.Answer other = post("/api/v1/charging/stop",
                    "{\"deviceId\": \"04CEAA41\", \"port\": 1, \"orderNo\": \"NOT_THIS\"}");
            assertThat(other.status()).isEqualTo(409);
            assertThat(other.body()).containsEntry("code", 409).containsEntry("message", "订单校验失败");

            Http.Answer stopped = post("/api/v1/charging/stop", "{\"deviceId\": \"04CEAA41\", \"port\": 1}");
            assertThat(stopped.status()).isEqualTo(200);
            assertThat(stopped.body()).containsEntry("message", "充电已停止");
            assertThat(stopped.data()).containsEntry("orderNo", "STOP_ME").containsEntry("action", "stop");
            DnyFrame command = socket.readFrame();
            assertThat(command.command()).isEqualTo(0x82);
            assertThat(command.data()[6]).isEqualTo((byte) 0); // stop
            assertThat(java.util.Arrays.copyOfRange(command.data(), 9, 25))
                    .isEqualTo(OrderNumber.ofText("STOP_ME").bytes());
        }
    }

    /** charging_handlers.go HandleUpdateChargingPower with UpdateChargingPowerParams. */
    @Test
    void should_update_the_overload_power_of_the_running_order() throws Exception {
        int device = 0x04CEAA42;
        try (DeviceSocket socket = DeviceSocket.online(gateway.tcpPort(), device)) {
            DnyFrame start = startAndAck(socket, device, "POWER_ORDER");
            Http.Answer answer = post("/api/v1/charging/update_power", """
                    {"deviceId": "04ceaa42", "port": 1, "orderNo": "POWER_ORDER", "overloadPowerW": 120,
                     "maxChargeDurationSeconds": 0}
                    """);
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.body()).containsEntry("code", 0).containsEntry("message", "更新成功");
            assertThat(answer.data()).containsEntry("deviceId", "04ceaa42").containsEntry("standardId", "04CEAA42")
                    .containsEntry("orderNo", "POWER_ORDER").containsEntry("overloadPowerW", 120)
                    .containsEntry("action", "update_power").doesNotContainKey("maxChargeDurationSeconds");
            DnyFrame update = socket.readFrame();
            assertThat(update.command()).isEqualTo(0x82);
            // the start again (mode, balance, port, start, value, order, longest time), overload 1200 x 0.1 W
            assertThat(java.util.Arrays.copyOfRange(update.data(), 0, 27))
                    .isEqualTo(java.util.Arrays.copyOfRange(start.data(), 0, 27));
            assertThat(update.data()[27] & 0xFF | (update.data()[28] & 0xFF) << 8).isEqualTo(1200);

            Http.Answer wrongOrder = post("/api/v1/charging/update_power", """
                    {"deviceId": "04ceaa42", "port": 1, "orderNo": "OTHER", "overloadPowerW": 120}
                    """);
            assertThat(wrongOrder.status()).isEqualTo(500);
            assertThat(wrongOrder.body()).containsEntry("code", 500).containsEntry("message", "更新失败");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> post("/api/v1/charging/update_power",
                "{\"deviceId\": \"04ceaa42\", \"port\": 1, \"orderNo\": \"POWER_ORDER\", \"overloadPowerW\": 120}")
                .status() == 404);
    }

    /** device_handlers.go HandleDeviceList: every online device, {devices, total, online, offline}. */
    @Test
    void should_list_every_online_device_unpaged_with_iot_zinx_names() throws Exception {
        try (DeviceSocket a = DeviceSocket.online(gateway.tcpPort(), 0x04CEAB01);
             DeviceSocket b = DeviceSocket.online(gateway.tcpPort(), 0x04CEAB02)) {
            Http.Answer answer = get("/api/v1/devices");
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.body()).containsEntry("code", 0).containsEntry("message", "成功");
            assertThat(answer.data()).containsOnlyKeys("devices", "total", "online", "offline");
            List<Map<String, Object>> devices = devices(answer);
            assertThat(devices).extracting(d -> d.get("deviceId")).contains("04CEAB01", "04CEAB02");
            assertThat(answer.data().get("total")).isEqualTo(devices.size()).isEqualTo(answer.data().get("online"));
            assertDetail(devices.stream().filter(d -> d.get("deviceId").equals("04CEAB01")).findFirst().orElseThrow(),
                    0x04CEAB01);
        }
    }

    /** device_handlers.go HandleDeviceStatus: the detail, or 404 "设备不在线" with {deviceId, standardId, isOnline}. */
    @Test
    void should_answer_a_device_status_as_iot_zinx() throws Exception {
        try (DeviceSocket socket = DeviceSocket.online(gateway.tcpPort(), 0x04A26CF3)) {
            Http.Answer answer = get("/api/v1/device/10644723/status");
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.body()).containsEntry("code", 0).containsEntry("message", "成功");
            assertDetail(answer.data(), 0x04A26CF3);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> get("/api/v1/device/A26CF3/status").status() == 404);
        Http.Answer offline = get("/api/v1/device/A26CF3/status");
        assertThat(offline.body()).containsEntry("code", 404).containsEntry("message", "设备不在线");
        assertThat(offline.data()).isEqualTo(Map.of("deviceId", "A26CF3", "standardId", "04A26CF3", "isOnline", false));
    }

    /** device_handlers.go HandleQueryDeviceStatus: the same detail, 404 "设备不存在或离线". */
    @Test
    void should_answer_a_device_query_as_iot_zinx() throws Exception {
        try (DeviceSocket socket = DeviceSocket.online(gateway.tcpPort(), 0x04CEAC01)) {
            Http.Answer answer = get("/api/v1/device/04CEAC01/query");
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.body()).containsEntry("code", 0).containsEntry("message", "获取设备状态成功");
            assertDetail(answer.data(), 0x04CEAC01);
        }
        Http.Answer unknown = get("/api/v1/device/04CEAC99/query");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.body()).containsEntry("code", 404).containsEntry("message", "设备不存在或离线");
    }

    /** gateway_handlers.go HandleHealthCheck with models.go HealthResponse. */
    @Test
    void should_answer_health_as_iot_zinx_with_the_nodes_real_state() throws Exception {
        Http.Answer answer = get("/api/v1/health");
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body()).containsEntry("code", 0).containsEntry("message", "IoT设备网关运行正常");
        assertThat(answer.data()).containsEntry("status", "ok").containsKeys("timestamp", "version", "uptime", "gateway");
        assertThat((String) answer.data().get("uptime")).matches("(\\d+h)?(\\d+m)?\\d+s");
        assertThat((String) answer.data().get("version")).isNotBlank().isNotEqualTo("unknown");
        assertThat(java.time.OffsetDateTime.parse((String) answer.data().get("timestamp"))).isNotNull();
    }

    @SuppressWarnings("unchecked")
    /** gateway_handlers.go HandleSystemStats with pkg/gateway/device_query.go GetDeviceStatistics. */
    @Test
    void should_answer_statistics_with_iot_zinx_names() throws Exception {
        try (DeviceSocket socket = DeviceSocket.online(gateway.tcpPort(), 0x04CEAD01)) {
            Http.Answer answer = get("/api/v1/stats");
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.body()).containsEntry("code", 0).containsEntry("message", "获取统计信息成功");
            assertThat(answer.data()).containsKeys("onlineDeviceCount", "onlineDevices", "connectionCount",
                    "groupCount", "totalDeviceCount", "timestamp", "formattedTime");
            assertThat((List<Object>) answer.data().get("onlineDevices")).contains("04CEAD01");
            assertThat(((Number) answer.data().get("onlineDeviceCount")).intValue()).isPositive();
            assertThat((String) answer.data().get("formattedTime")).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d");
        }
    }

    /** notification_handlers.go HandleNotificationRecent: NotificationEventDTO list (pkg/notification/api_dto.go). */
    @Test
    @SuppressWarnings("unchecked")
    void should_list_recent_notifications_with_iot_zinx_filters() throws Exception {
        try (DeviceSocket socket = DeviceSocket.online(gateway.tcpPort(), 0x04CEAF01)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> !recent("device_id=04CEAF01").isEmpty());
            Http.Answer answer = get("/api/v1/notifications/recent?device_id=04CEAF01&limit=100");
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.body()).containsEntry("code", 0).containsEntry("message", "成功");
            List<Map<String, Object>> events = (List<Map<String, Object>>) answer.body().get("data");
            assertThat(events).allSatisfy(e -> {
                assertThat(e).containsEntry("device_id", "04CEAF01")
                        .containsKeys("event_id", "event_type", "port_number", "timestamp", "data");
                assertThat(e.get("port_number")).isInstanceOf(Integer.class);
            });
            String type = (String) events.get(0).get("event_type");
            assertThat(recent("device_id=04CEAF01&event_types=" + type + ",nothing"))
                    .allSatisfy(e -> assertThat(e).containsEntry("event_type", type)).isNotEmpty();
            assertThat(recent("device_id=04CEAF01&event_types=nothing")).isEmpty();
            assertThat(recent("device_id=04CEAF01&since=" + (System.currentTimeMillis() / 1000 + 3600))).isEmpty();
        }
        assertThat(get("/api/v1/notifications/recent?device_id=nonsense").status()).isEqualTo(400);
    }

    /** notification_handlers.go HandleNotificationStream: SSE, "data: <DTO>" per event, the latest first, then live. */
    @Test
    void should_stream_notifications_as_server_sent_events() throws Exception {
        java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
        java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                "http://127.0.0.1:" + gateway.httpPort() + "/api/v1/notifications/stream?device_id=04CEAF02"))
                .header("X-API-Key", KEY).build();
        java.net.http.HttpResponse<java.util.stream.Stream<String>> response =
                client.send(request, java.net.http.HttpResponse.BodyHandlers.ofLines());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).contains("text/event-stream");
        try (java.util.stream.Stream<String> lines = response.body();
             DeviceSocket socket = DeviceSocket.online(gateway.tcpPort(), 0x04CEAF02)) {
            String first = java.util.concurrent.CompletableFuture.supplyAsync(() -> lines
                    .filter(l -> l.startsWith("data: ")).findFirst().orElseThrow())
                    .get(20, java.util.concurrent.TimeUnit.SECONDS);
            Map<String, Object> event = new com.fasterxml.jackson.databind.ObjectMapper().readValue(
                    first.substring("data: ".length()), new com.fasterxml.jackson.core.type.TypeReference<>() {
                    });
            assertThat(event).containsEntry("device_id", "04CEAF02").containsKeys("event_id", "event_type",
                    "port_number", "timestamp", "data");
        }
        assertThat(client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:"
                        + gateway.httpPort() + "/api/v1/notifications/stream")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
    }

    /** The gateway's extras stay one parameter away: the ack's result, paging and the detail with node and ports. */
    @Test
    void should_give_the_gateways_own_answers_with_view_gateway() throws Exception {
        int device = 0x04CEAE01;
        try (DeviceSocket socket = DeviceSocket.online(gateway.tcpPort(), device)) {
            Http.Answer detail = get("/api/v1/device/04CEAE01/status?view=gateway");
            assertThat(detail.data()).containsEntry("device_id", "04CEAE01").containsKeys("node", "iccid",
                    "remote_addr", "ports");
            Http.Answer page = get("/api/v1/devices?view=gateway&page=1&limit=1");
            assertThat(page.data()).containsEntry("page", 1).containsEntry("limit", 1);
            assertThat(get("/api/v1/stats?view=gateway").data()).containsKeys("protocol_errors", "events");
            assertThat(get("/api/v1/stats?view=other").status()).isEqualTo(400);

            var start = java.util.concurrent.CompletableFuture.supplyAsync(() -> Http.unchecked(() -> Http.post(
                    gateway.httpPort(), "/api/v1/charging/start?view=gateway", KEY,
                    "{\"deviceId\": \"04CEAE01\", \"port\": 1, \"mode\": 0, \"value\": 60, \"orderNo\": \"ACKED\","
                            + " \"balance\": 0}")));
            DnyFrame command = socket.readFrame();
            socket.send(TestFrames.chargeAck(device, command.messageId(), 0, "ACKED", 1));
            assertThat(start.get().data()).containsEntry("result", 0).containsEntry("started", true)
                    .containsEntry("order_no", "ACKED");
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> recent(String query) throws Exception {
        return (List<Map<String, Object>>) get("/api/v1/notifications/recent?" + query).body().get("data");
    }

    private static DnyFrame startAndAck(DeviceSocket socket, int device, String order) throws Exception {
        Http.Answer answer = post("/api/v1/charging/start", "{\"deviceId\": \"" + String.format("%08X", device)
                + "\", \"port\": 1, \"mode\": 0, \"value\": 600, \"orderNo\": \"" + order + "\", \"balance\": 500}");
        assertThat(answer.status()).isEqualTo(200);
        DnyFrame command = socket.readFrame();
        socket.send(TestFrames.chargeAck(device, command.messageId(), 0, order, 1));
        await().atMost(Duration.ofSeconds(10)).until(() -> ((List<?>) get("/api/v1/device/" + String.format("%08X",
                device) + "/status").data().get("ports")).stream()
                .anyMatch(p -> order.equals(((Map<?, ?>) p).get("orderNo"))));
        return command;
    }

    /** pkg/core/tcp_manager.go GetDeviceDetail: names and types. */
    private static void assertDetail(Map<String, Object> d, int physicalId) {
        assertThat(((Number) d.get("physicalId")).longValue()).isEqualTo(Integer.toUnsignedLong(physicalId));
        assertThat(d).containsEntry("deviceId", String.format("%08X", physicalId))
                .containsEntry("deviceNumber", String.valueOf(physicalId & 0xFFFFFF))
                .containsEntry("iccid", TestFrames.ICCID).containsEntry("isOnline", true)
                .containsEntry("deviceVersion", "V6.40").containsEntry("groupSessionCount", 1)
                .containsKeys("deviceType", "lastActivity", "lastActivityTs", "lastHeartbeat", "lastHeartbeatTs",
                        "groupDeviceCount", "connId", "remoteAddr", "connectedAt", "connectedAtTs");
        assertThat((String) d.get("remoteAddr")).startsWith("127.0.0.1:");
        assertThat((String) d.get("lastHeartbeat")).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d");
        assertThat(d.get("lastHeartbeatTs")).isInstanceOf(Number.class);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> devices(Http.Answer answer) {
        return (List<Map<String, Object>>) answer.data().get("devices");
    }

    private static Http.Answer post(String path, String json) throws Exception {
        return Http.post(gateway.httpPort(), path, KEY, json);
    }

    private static Http.Answer get(String path) throws Exception {
        return Http.get(gateway.httpPort(), path, KEY);
    }
}
