package ap3000.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import ap3000.gateway.Http;
import ap3000.gateway.RunningGateway;
import ap3000.gateway.audit.AuditStore;
import ap3000.gateway.device.DeviceSocket;
import ap3000.gateway.device.TestFrames;
import ap3000.gateway.event.DeviceEvent;
import ap3000.gateway.protocol.DnyFrame;
import ap3000.gateway.protocol.OrderNumber;

/** The charging API against a simulated device over TCP: every byte the device gets, every answer and event. */
class ChargingApiEndToEndTest {

    private static final String KEY = "charging-test-key";
    private static RunningGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = RunningGateway.start(Map.of("gateway.api.keys", KEY, "gateway.downlink.ack-timeout", "1s",
                "gateway.downlink.answer-margin", "2s", "audit.flush-interval", "100ms"));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    @Test
    void should_start_charge_stop_and_settle_through_the_api() throws Exception {
        int device = 0x04800001;
        String order = "API_ORDER_000001";
        try (DeviceSocket socket = online(device)) {
            CompletableFuture<Http.Answer> start = post("/api/v1/charging/start?view=gateway", """
                    {"deviceId": "04800001", "port": 1, "mode": 0, "value": 3600, "orderNo": "%s", "balance": 1000}
                    """.formatted(order));
            DnyFrame command = socket.readFrame();
            assertThat(command.command()).isEqualTo(0x82);
            assertThat(command.physicalId()).isEqualTo(device);
            // 37-byte layout: rate 0, balance 1000, wire port 0, start, 3600 s, order, max 5400 s, overload 0, ..., check 2
            assertThat(command.data()).hasSize(37);
            assertThat(hex(command.data())).isEqualTo("00E803000000" + "01" + "100E" + hex(OrderNumber.ofText(order).bytes())
                    + "1815" + "0000" + "00" + "00" + "0000" + "02" + "00" + "00" + "00");
            socket.send(TestFrames.chargeAck(device, command.messageId(), 0, order, 1));
            Http.Answer answer = start.get();
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.data()).containsEntry("result", 0).containsEntry("started", true)
                    .containsEntry("attempts", 1).containsEntry("message_id", command.messageId());

            // the ack was not answered: the next frame the device gets is the reply to its heartbeat
            socket.send(TestFrames.heartbeat(device, 0x0200, 1, 0));
            assertThat(socket.readFrame().command()).isEqualTo(0x21);
            socket.send(TestFrames.powerHeartbeat(device, 0x0201, 1, order, 60, 2, 1500));

            // a repeated start of the same order does not start a second session; another order is refused
            Http.Answer again = post("/api/v1/charging/start?view=gateway", """
                    {"deviceId": "04800001", "port": 1, "mode": 0, "value": 3600, "orderNo": "%s", "balance": 1000}
                    """.formatted(order)).get();
            assertThat(again.status()).isEqualTo(200);
            assertThat(again.data()).containsEntry("sent", false).containsEntry("state", "charging");
            Http.Answer busy = post("/api/v1/charging/start?view=gateway", """
                    {"deviceId": "04800001", "port": 1, "mode": 0, "value": 60, "orderNo": "OTHER_ORDER", "balance": 1}
                    """).get();
            assertThat(busy.status()).isEqualTo(409);
            assertThat((String) busy.body().get("message")).contains(order);

            CompletableFuture<Http.Answer> stop = post("/api/v1/charging/stop?view=gateway", """
                    {"deviceId": "8388609", "port": 1, "orderNo": "%s"}
                    """.formatted(order));
            DnyFrame stopCommand = socket.readFrame();
            assertThat(stopCommand.data()[6]).isEqualTo((byte) 0); // command byte: stop
            socket.send(TestFrames.chargeAck(device, stopCommand.messageId(), 0, order, 1));
            assertThat(stop.get().data()).containsEntry("stopped", true);
            socket.send(TestFrames.settlement(device, 0x0202, 1, order, 75, 3, 1500, 7));
            socket.readFrame();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> types(device).contains("settlement"));
        assertThat(types(device)).containsSubsequence("charging_start", "power_heartbeat", "charging_stopped",
                "charging_end", "settlement");
        DeviceEvent started = event(device, "charging_start");
        assertThat(started.portNumber()).isEqualTo(1);
        assertThat(started.data()).containsEntry("order_number", order).containsEntry("response_code", 0);

        AuditStore audit = gateway.bean("auditStore", AuditStore.class);
        await().atMost(Duration.ofSeconds(10)).until(() -> audit.session(order).map(s -> "settled".equals(s.get("state")))
                .orElse(false));
        assertThat(audit.session(order).orElseThrow()).containsEntry("stop_reason", 7).containsEntry("port_number", 1);
    }

    @Test
    void should_report_every_failure_result_of_a_start() throws Exception {
        int device = 0x04800002;
        try (DeviceSocket socket = online(device)) {
            for (int result = 1; result <= 0x0E; result++) {
                String order = "FAIL_ORDER_%04d".formatted(result);
                CompletableFuture<Http.Answer> start = post("/api/v1/charging/start?view=gateway", """
                        {"deviceId": "04800002", "port": 2, "mode": 0, "value": 60, "orderNo": "%s", "balance": 1}
                        """.formatted(order));
                DnyFrame command = socket.readFrame();
                socket.send(TestFrames.chargeAck(device, command.messageId(), result, order, 2));
                Map<String, Object> data = start.get().data();
                assertThat(data).containsEntry("result", result).containsEntry("started", false)
                        .containsEntry("executed", result == 3 || result == 9);
                if (result == 3 || result == 9) {
                    // the device executed it anyway: stop it before the next attempt
                    CompletableFuture<Http.Answer> stop = post("/api/v1/charging/stop?view=gateway", """
                            {"deviceId": "04800002", "port": 2, "orderNo": "%s"}""".formatted(order));
                    DnyFrame stopCommand = socket.readFrame();
                    socket.send(TestFrames.chargeAck(device, stopCommand.messageId(), 0, order, 2));
                    stop.get();
                }
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> types(device).stream()
                .filter("charging_failed"::equals).count() == 14);
        List<DeviceEvent> failed = gateway.journal("04800002").stream()
                .filter(e -> e.eventType().equals("charging_failed")).toList();
        assertThat(failed).extracting(e -> e.data().get("response_code")).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9,
                10, 11, 12, 13, 14);
        assertThat(failed.get(2).data()).containsEntry("executed", true).containsEntry("failure_reason", "端口故障(已执行)");
        assertThat(failed.get(0).data()).containsEntry("executed", false).containsEntry("failure_reason", "端口未插充电器");
    }

    @Test
    void should_resend_once_with_the_same_message_id_and_then_answer_504() throws Exception {
        int device = 0x04800003;
        try (DeviceSocket socket = online(device)) {
            CompletableFuture<Http.Answer> start = post("/api/v1/charging/start?view=gateway", """
                    {"deviceId": "04800003", "port": 1, "mode": 0, "value": 60, "orderNo": "SILENT_ORDER_01", "balance": 1}
                    """);
            DnyFrame first = socket.readFrame();
            long firstAt = System.nanoTime();
            DnyFrame second = socket.readFrame();
            long gapMillis = (System.nanoTime() - firstAt) / 1_000_000;
            assertThat(second).isEqualTo(first);
            assertThat(gapMillis).isGreaterThanOrEqualTo(900);
            Http.Answer answer = start.get();
            assertThat(answer.status()).isEqualTo(504);
            assertThat(answer.data()).containsEntry("attempts", 2).containsEntry("frame_hex", first.toHex());
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> types(device).contains("charging_failed"));
        assertThat(event(device, "charging_failed").data()).containsEntry("timed_out", true)
                .containsEntry("response_code", 14).containsEntry("error_code", 14)
                .containsEntry("order_number", "SILENT_ORDER_01");
    }

    @Test
    void should_keep_half_a_second_between_two_commands_to_one_device() throws Exception {
        int device = 0x04800004;
        try (DeviceSocket socket = online(device)) {
            CompletableFuture<Http.Answer> locate = post("/api/v1/device/locate?view=gateway", """
                    {"deviceId": "04800004", "locateTime": 10}""");
            CompletableFuture<Http.Answer> reboot = post("/api/v1/device/reboot", """
                    {"deviceId": "04800004"}""");
            DnyFrame a = socket.readFrame();
            long aAt = System.nanoTime();
            DnyFrame b = socket.readFrame();
            long gapMillis = (System.nanoTime() - aAt) / 1_000_000;
            assertThat(gapMillis).isGreaterThanOrEqualTo(450);
            assertThat(List.of(a.command(), b.command())).containsExactlyInAnyOrder(0x96, 0x87);
            assertThat(b.messageId()).isNotEqualTo(a.messageId());
            socket.send(new DnyFrame(device, a.messageId(), a.command(), new byte[]{0}));
            socket.send(new DnyFrame(device, b.messageId(), b.command(), new byte[]{0}));
            assertThat(locate.get().data()).containsEntry("ok", true);
            assertThat(reboot.get().data()).containsEntry("ok", true);
        }
    }

    @Test
    void should_read_and_write_parameter_blocks() throws Exception {
        int device = 0x04800005;
        try (DeviceSocket socket = online(device)) {
            CompletableFuture<Http.Answer> query = get("/api/v1/device/04800005/params/limits");
            DnyFrame q = socket.readFrame();
            assertThat(q.command()).isEqualTo(0x92);
            socket.send(new DnyFrame(device, q.messageId(), 0x92, new byte[]{(byte) 0xA0, (byte) 0x8C, 0x20, 0x4E,
                    (byte) 0x8C, 0x0A, (byte) 0xE8, 0x03}));
            @SuppressWarnings("unchecked")
            Map<String, Object> parameters = (Map<String, Object>) query.get().data().get("parameters");
            assertThat(parameters).containsEntry("maxChargeSeconds", 36000).containsEntry("overloadPowerDeciWatts", 20000)
                    .containsEntry("overVoltageDeciVolts", 2700).containsEntry("underVoltageDeciVolts", 1000);

            CompletableFuture<Http.Answer> set = put("/api/v1/device/04800005/params/limits", """
                    {"maxChargeSeconds": 36000, "overloadPowerDeciWatts": 20000}""");
            DnyFrame s = socket.readFrame();
            assertThat(s.toHex()).isEqualTo(ap3000.gateway.protocol.ServerCommands.setParameters(device, s.messageId(),
                    new ap3000.gateway.protocol.DeviceParameters.ChargeLimits(36000, 20000, null, null)).toHex());
            socket.send(new DnyFrame(device, s.messageId(), 0x85, new byte[]{0}));
            assertThat(set.get().data()).containsEntry("ok", true);

            Http.Answer missing = put("/api/v1/device/04800005/params/run1", "{\"unplugPower\": 3}").get();
            assertThat(missing.status()).isEqualTo(400);
            assertThat((String) missing.body().get("message")).startsWith("unplugDetectSeconds: is required");
        }
    }

    @Test
    void should_list_devices_and_show_one_with_its_ports() throws Exception {
        int device = 0x04800006;
        try (DeviceSocket socket = online(device)) {
            socket.send(TestFrames.heartbeat(device, 0x0300, 0, 1));
            socket.readFrame();
            Http.Answer status = get("/api/v1/device/04800006/status?view=gateway").get();
            assertThat(status.status()).isEqualTo(200);
            assertThat(status.data()).containsEntry("device_id", "04800006").containsEntry("iccid", TestFrames.ICCID)
                    .containsEntry("port_count", 2).containsEntry("firmware_version", "V6.40");
            assertThat((List<?>) status.data().get("ports")).hasSize(2);
            Http.Answer list = get("/api/v1/devices?view=gateway&page=1&limit=500").get();
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> devices = (List<Map<String, Object>>) list.data().get("devices");
            assertThat(devices).extracting(d -> d.get("device_id")).contains("04800006");
            assertThat(get("/api/v1/stats?view=gateway").get().data()).containsKeys("connections", "devices_online",
                    "protocol_errors", "events");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> get("/api/v1/device/04800006/status?view=gateway").get().status() == 404);
    }

    @Test
    void should_refuse_unknown_devices_bad_fields_and_missing_keys_without_sending_anything() throws Exception {
        int device = 0x04800007;
        try (DeviceSocket socket = online(device)) {
            String good = "{\"deviceId\": \"04800007\", \"port\": 1, \"mode\": 0, \"value\": 60, \"orderNo\": \"O1\", \"balance\": 1}";
            assertRefused(post("/api/v1/charging/start?view=gateway", good.replace("04800007", "04FFFFFE")).get(), 404,
                    "device 04FFFFFE is not connected");
            assertRefused(post("/api/v1/charging/start?view=gateway", good.replace("\"04800007\"", "\"nonsense\"")).get(), 400, "deviceId:");
            assertRefused(post("/api/v1/charging/start?view=gateway", good.replace("\"port\": 1", "\"port\": 0")).get(), 400, "port: must be 1..255");
            assertRefused(post("/api/v1/charging/start?view=gateway", good.replace("\"port\": 1", "\"port\": 3")).get(), 400, "port: device 04800007 has 2 ports");
            assertRefused(post("/api/v1/charging/start?view=gateway", good.replace("\"port\": 1", "\"port\": \"one\"")).get(), 400, "port: must be a whole number");
            assertRefused(post("/api/v1/charging/start?view=gateway", good.replace("\"mode\": 0", "\"mode\": 4")).get(), 400, "mode: must be 0..3");
            assertRefused(post("/api/v1/charging/start?view=gateway", good.replace("\"value\": 60", "\"value\": 70000")).get(), 400, "value: must be 0..65535");
            assertRefused(post("/api/v1/charging/start?view=gateway", good.replace("\"O1\"", "\"THIS_ORDER_IS_TOO_LONG\"")).get(), 400, "orderNo:");
            assertRefused(post("/api/v1/charging/start?view=gateway", good.replace("\"O1\"", "\"\"")).get(), 400, "orderNo:");
            assertRefused(post("/api/v1/charging/start?view=gateway", good.replace("\"balance\": 1", "\"balance\": -1")).get(), 400, "balance:");
            assertRefused(post("/api/v1/charging/start?view=gateway", good.replace("}", ", \"overloadPower\": 9000}")).get(), 400, "overloadPower:");
            assertRefused(post("/api/v1/charging/start?view=gateway", good.replace("}", ", \"maxDuration\": -5}")).get(), 400, "maxDuration: must be 0..65535");
            assertRefused(post("/api/v1/charging/modify", "{\"deviceId\": \"04800007\", \"port\": 1, \"mode\": 3, \"value\": 1}").get(), 400, "mode: must be 0..2");
            assertRefused(post("/api/v1/charging/start?view=gateway", good.replace("\"mode\": 0, ", "")).get(), 400, "mode: is required");
            assertRefused(post("/api/v1/charging/start?view=gateway", "not json").get(), 400, "body: not a JSON object");
            assertRefused(post("/api/v1/device/locate?view=gateway", "{\"deviceId\": \"04800007\", \"locateTime\": 0}").get(), 400, "locateTime:");
            assertRefused(post("/api/v1/charging/stop?view=gateway", "{\"deviceId\": \"04800007\", \"port\": 1}").get(), 400, "orderNo: is required");
            Http.Answer noKey = Http.post(gateway.httpPort(), "/api/v1/charging/start?view=gateway", null, good);
            assertRefused(noKey, 401, "missing X-API-Key header");
            // nothing reached the device: the next frame it gets answers its own heartbeat
            socket.send(TestFrames.heartbeat(device, 0x0400, 0, 0));
            assertThat(socket.readFrame().command()).isEqualTo(0x21);
        }
    }

    @Test
    void should_answer_202_at_once_when_asked_for_async() throws Exception {
        int device = 0x04800008;
        try (DeviceSocket socket = online(device)) {
            Http.Answer queued = post("/api/v1/charging/start?view=gateway&async=true", """
                    {"deviceId": "04800008", "port": 1, "mode": 0, "value": 60, "orderNo": "ASYNC_ORDER_1", "balance": 1}
                    """).get();
            assertThat(queued.status()).isEqualTo(202);
            assertThat(queued.data()).containsEntry("state", "queued");
            DnyFrame command = socket.readFrame();
            socket.send(TestFrames.chargeAck(device, command.messageId(), 0, "ASYNC_ORDER_1", 1));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> types(device).contains("charging_start"));
    }

    private static DeviceSocket online(int device) throws Exception {
        DeviceSocket socket = new DeviceSocket(gateway.tcpPort());
        socket.send(TestFrames.iccid());
        socket.send(TestFrames.register(device, 1));
        socket.readFrame();
        return socket;
    }

    private static void assertRefused(Http.Answer answer, int status, String message) {
        assertThat(answer.status()).isEqualTo(status);
        assertThat(answer.body()).containsEntry("code", status);
        assertThat((String) answer.body().get("message")).startsWith(message);
    }

    private static CompletableFuture<Http.Answer> post(String path, String json) {
        return CompletableFuture.supplyAsync(() -> Http.unchecked(() -> Http.post(gateway.httpPort(), path, KEY, json)));
    }

    private static CompletableFuture<Http.Answer> put(String path, String json) {
        return CompletableFuture.supplyAsync(() -> Http.unchecked(() -> Http.put(gateway.httpPort(), path, KEY, json)));
    }

    private static CompletableFuture<Http.Answer> get(String path) {
        return CompletableFuture.supplyAsync(() -> Http.unchecked(() -> Http.get(gateway.httpPort(), path, KEY)));
    }


    private static List<String> types(int device) {
        return gateway.journal(String.format("%08X", device)).stream().map(DeviceEvent::eventType).toList();
    }

    private static DeviceEvent event(int device, String type) {
        return gateway.journal(String.format("%08X", device)).stream().filter(e -> e.eventType().equals(type))
                .findFirst().orElseThrow();
    }

    private static String hex(byte[] bytes) {
        return java.util.HexFormat.of().withUpperCase().formatHex(bytes);
    }
}
