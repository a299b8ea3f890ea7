package ap3000.gateway.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import ap3000.gateway.Http;
import ap3000.gateway.RunningGateway;
import ap3000.gateway.device.DeviceSocket;
import ap3000.gateway.device.TestFrames;
import ap3000.gateway.notify.WebhookReceiver.Request;
import ap3000.gateway.protocol.DnyFrame;

/**
 * The webhook contract as a platform meets it: a simulated device over TCP, the HTTP API, and the webhooks a real
 * receiver gets ({@code shared/seeds/third-party-integration-examples.md}).
 */
class WebhookContractEndToEndTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static WebhookReceiver receiver;
    private static RunningGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        receiver = new WebhookReceiver();
        gateway = RunningGateway.start(Map.of(
                "notify.endpoints", "sink",
                "notify.endpoints.sink.url", receiver.url(),
                "notify.poll-interval", "20ms",
                "gateway.downlink.ack-timeout", "1s",
                "gateway.downlink.answer-margin", "2s",
                "gateway.tariff.per-device", "04810003=100/10"));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        receiver.close();
    }

    @Test
    void should_name_the_port_the_device_chose_for_a_start_on_port_255_everywhere() throws Exception {
        int device = 0x04810001;
        String order = "AUTO_PORT_ORD_01";
        try (DeviceSocket socket = DeviceSocket.online(gateway.tcpPort(), device)) {
            CompletableFuture<Http.Answer> start = post("/api/v1/charging/start?view=gateway", """
                    {"deviceId": "04810001", "port": 255, "mode": 0, "value": 3600, "orderNo": "%s", "balance": 1}
                    """.formatted(order));
            DnyFrame command = socket.readFrame();
            assertThat(command.data()[5]).isEqualTo((byte) 0xFF); // "device chooses" on the wire
            socket.send(TestFrames.chargeAck(device, command.messageId(), 0, order, 3));
            assertThat(start.get().data()).containsEntry("port", 3).containsEntry("started", true);
            socket.send(TestFrames.powerHeartbeat(device, 0x0201, 3, order, 60, 2, 1500));
            socket.send(TestFrames.settlement(device, 0x0202, 3, order, 75, 3, 1500, 1));
            socket.readFrame();
        }
        List<Request> events = await().atMost(WAIT).until(() -> ofOrder(device, order),
                e -> e.stream().map(Request::eventType).toList().containsAll(
                        List.of("charging_start", "power_heartbeat", "charging_power", "charging_end", "settlement")));
        // the command record goes out before the device chose: it names no port (requested_port 255), never 255
        assertThat(events).allSatisfy(e -> assertThat(e.json().get("port_number"))
                .isEqualTo(e.eventType().equals("charging_command") ? null : 3));
    }

    @Test
    void should_hold_charging_start_until_a_frame_names_the_port_when_the_ack_does_not() throws Exception {
        int device = 0x04810002;
        String order = "AUTO_PORT_ORD_02";
        try (DeviceSocket socket = DeviceSocket.online(gateway.tcpPort(), device)) {
            CompletableFuture<Http.Answer> start = post("/api/v1/charging/start?view=gateway", """
                    {"deviceId": "04810002", "port": 255, "mode": 0, "value": 3600, "orderNo": "%s", "balance": 1}
                    """.formatted(order));
            DnyFrame command = socket.readFrame();
            // a short ack: result and order, no port (reference 2.4: absent fields are unknown)
            byte[] shortAck = new byte[17];
            System.arraycopy(TestFrames.order(order), 0, shortAck, 1, 16);
            socket.send(new DnyFrame(device, command.messageId(), 0x82, shortAck));
            Map<String, Object> answer = start.get().data();
            assertThat(answer).containsEntry("started", true).containsEntry("port", null);
            socket.send(TestFrames.powerHeartbeat(device, 0x0201, 2, order, 60, 2, 1500));
        }
        Request started = await().atMost(WAIT).until(() -> first(device, "charging_start"), r -> r != null);
        assertThat(started.json()).containsEntry("port_number", 2);
        await().atMost(WAIT).until(() -> ofOrder(device, order).stream().map(Request::eventType).toList(),
                types -> types.contains("power_heartbeat"));
        assertThat(ofOrder(device, order)).extracting(Request::eventType)
                .containsSubsequence("charging_command", "charging_start", "power_heartbeat")
                .filteredOn("charging_start"::equals).hasSize(1);
    }

    @Test
    void should_price_a_settlement_with_the_devices_tariff() throws Exception {
        int device = 0x04810003;
        settle(device, "TARIFF_DEVICE_01", 150);
        Map<String, Object> data = data(await().atMost(WAIT).until(() -> first(device, "settlement"), r -> r != null));
        // 1.50 kWh at 100 fen energy and 10 fen service per kWh
        assertThat(data).containsEntry("charge_fee", 150).containsEntry("service_fee", 15)
                .containsEntry("total_fee", 165).containsEntry("tariff_applied", true)
                .containsEntry("tariff_source", "device").containsEntry("total_energy", 1.5);
    }

    @Test
    void should_price_a_settlement_with_the_price_the_start_request_carried() throws Exception {
        int device = 0x04810004;
        String order = "TARIFF_ORDER_01";
        try (DeviceSocket socket = DeviceSocket.online(gateway.tcpPort(), device)) {
            Http.Answer refused = post("/api/v1/charging/start?view=gateway", """
                    {"deviceId": "04810004", "port": 1, "mode": 0, "value": 60, "orderNo": "%s", "balance": 1,
                     "energyFenPerKwh": -1}""".formatted(order)).get();
            assertThat(refused.status()).isEqualTo(400);
            assertThat((String) refused.body().get("message")).startsWith("energyFenPerKwh:");
            CompletableFuture<Http.Answer> start = post("/api/v1/charging/start?view=gateway", """
                    {"deviceId": "04810004", "port": 1, "mode": 0, "value": 60, "orderNo": "%s", "balance": 1,
                     "energyFenPerKwh": 85, "serviceFenPerKwh": 15}""".formatted(order));
            DnyFrame command = socket.readFrame();
            socket.send(TestFrames.chargeAck(device, command.messageId(), 0, order, 1));
            assertThat(start.get().data()).containsEntry("started", true);
            // 0.05 kWh: 4.25 fen energy -> 4, 0.75 fen service -> 1 (half-up per component), total 5
            socket.send(TestFrames.settlement(device, 0x0202, 1, order, 60, 5, 1500, 1));
            socket.readFrame();
        }
        Map<String, Object> data = data(await().atMost(WAIT).until(() -> first(device, "settlement"), r -> r != null));
        assertThat(data).containsEntry("charge_fee", 4).containsEntry("service_fee", 1).containsEntry("total_fee", 5)
                .containsEntry("tariff_applied", true).containsEntry("tariff_source", "order");
    }

    @Test
    void should_send_zero_fees_and_say_so_when_no_tariff_applies() throws Exception {
        int device = 0x04810005;
        settle(device, "NO_TARIFF_ORD_01", 320);
        Map<String, Object> data = data(await().atMost(WAIT).until(() -> first(device, "settlement"), r -> r != null));
        assertThat(data).containsEntry("charge_fee", 0).containsEntry("service_fee", 0).containsEntry("total_fee", 0)
                .containsEntry("tariff_applied", false).containsEntry("tariff_source", "none");
    }

    @Test
    void should_report_a_refused_or_unanswered_stop_as_charging_stop_failed_never_as_charging_failed()
            throws Exception {
        int device = 0x04810006;
        String order = "STOP_FAILS_ORD01";
        try (DeviceSocket socket = DeviceSocket.online(gateway.tcpPort(), device)) {
            CompletableFuture<Http.Answer> start = post("/api/v1/charging/start?view=gateway", """
                    {"deviceId": "04810006", "port": 1, "mode": 0, "value": 600, "orderNo": "%s", "balance": 1}
                    """.formatted(order));
            DnyFrame command = socket.readFrame();
            socket.send(TestFrames.chargeAck(device, command.messageId(), 0, order, 1));
            start.get();
            String stopBody = "{\"deviceId\": \"04810006\", \"port\": 1, \"orderNo\": \"%s\"}".formatted(order);
            CompletableFuture<Http.Answer> refused = post("/api/v1/charging/stop?view=gateway", stopBody);
            DnyFrame stop = socket.readFrame();
            socket.send(TestFrames.chargeAck(device, stop.messageId(), 4, order, 1)); // 4: no such port
            assertThat(refused.get().data()).containsEntry("stopped", false);
            CompletableFuture<Http.Answer> unanswered = post("/api/v1/charging/stop?view=gateway", stopBody);
            socket.readFrame();
            socket.readFrame(); // the resend, also unanswered
            assertThat(unanswered.get().status()).isEqualTo(504);
        }
        List<Request> failed = await().atMost(WAIT).until(() -> ofOrder(device, order).stream()
                .filter(r -> r.eventType().equals("charging_stop_failed")).toList(), l -> l.size() == 2);
        assertThat(data(failed.get(0))).containsEntry("response_code", 4).containsEntry("error_code", 4)
                .containsEntry("timed_out", false);
        assertThat(data(failed.get(1))).containsEntry("response_code", 14).containsEntry("timed_out", true)
                .containsEntry("attempts", 2);
        assertThat(failed).allSatisfy(r -> assertThat(r.json()).containsEntry("port_number", 1));
        assertThat(ofOrder(device, order)).extracting(Request::eventType).doesNotContain("charging_failed");
    }

    @Test
    void should_name_type_and_firmware_in_device_online_from_the_registration_and_across_reconnects()
            throws Exception {
        int device = 0x04810007;
        try (DeviceSocket first = DeviceSocket.online(gateway.tcpPort(), device)) {
            Request register = await().atMost(WAIT).until(() -> first(device, "device_register"), r -> r != null);
            // the 0x20 frame has no period: the configured one until the device's own was observed
            assertThat(data(register)).containsEntry("heartbeat_period", 180)
                    .containsEntry("heartbeat_period_source", "configured");
        }
        await().atMost(WAIT).until(() -> first(device, "device_offline"), r -> r != null);
        try (DeviceSocket second = new DeviceSocket(gateway.tcpPort())) {
            second.send(TestFrames.iccid());
            second.send(TestFrames.heartbeat(device, 2, 0, 0)); // no registration on this connection
            second.readFrame();
            await().atMost(WAIT).until(() -> of(device, "device_online").size() == 2);
        }
        // the first was built with the registration of its own first frame, the second with the remembered one
        assertThat(of(device, "device_online")).allSatisfy(online -> assertThat(data(online))
                .containsEntry("device_type", 0x31).containsEntry("firmware_version", "V6.40"));
    }

    @Test
    void should_send_every_kind_of_device_report_in_the_shape_its_schema_publishes() throws Exception {
        int device = 0x04810008;
        String order = HexFormat.of().formatHex(TestFrames.order("REPORTS_ORDER_01"));
        Map<Integer, String> reports = new LinkedHashMap<>();
        reports.put(0x02, "7A8D05DD0000");                                   // card swipe, port 1
        reports.put(0x04, "0001000000000C00" + order);                         // order confirm
        reports.put(0x05, "318002" + "00000001");                              // upgrade request
        reports.put(0x11, "6500015C5CA95F1F06" + HexFormat.of().formatHex(
                "89860413161892009275".getBytes(StandardCharsets.US_ASCII)) + "50D801"); // host heartbeat
        reports.put(0x17, "015D0009E80300001027000000");                      // host status
        reports.put(0x35, "01010080" + "02CD28A204");                          // slave versions
        reports.put(0x3B, "B101");                                             // FSK parameters request
        reports.put(0x41, "0C0000000001000000");                               // cabinet heartbeat
        reports.put(0x42, "010200");                                           // alarm
        reports.put(0x43, HexFormat.of().formatHex(TestFrames.settlement(device, 1, 1, "REPORTS_ORDER_01", 60, 5,
                1500, 1).data()));                                              // cabinet charge finished
        reports.put(0x44, "0100" + order);                                     // port push
        reports.put(0x7F, "0102");                                             // a command the reference lacks
        reports.put(0x96, "00");                                               // an ack no command waits for
        try (DeviceSocket socket = DeviceSocket.online(gateway.tcpPort(), device)) {
            socket.send(TestFrames.oldHeartbeat(device, 2));
            int messageId = 0x10;
            for (Map.Entry<Integer, String> report : reports.entrySet()) {
                socket.send(new DnyFrame(device, messageId++, report.getKey(),
                        HexFormat.of().parseHex(report.getValue())));
            }
            List<String> expected = List.of("device_heartbeat", "card_swipe", "order_confirm", "upgrade_request",
                    "host_heartbeat", "host_status", "slave_versions", "fsk_params_request", "cabinet_heartbeat",
                    "alarm", "cabinet_charge_finished", "port_push", "unknown_frame", "command_ack");
            await().atMost(WAIT).until(() -> ofDevice(device).stream().map(Request::eventType).toList()
                    .containsAll(expected));
        }
        assertThat(receiver.violations()).isEmpty();
    }

    /** A device that comes online and uploads one settlement of port 1 (energy in 0.01 kWh). */
    private static void settle(int device, String order, int energyCentiKwh) throws Exception {
        try (DeviceSocket socket = DeviceSocket.online(gateway.tcpPort(), device)) {
            socket.send(TestFrames.settlement(device, 0x0202, 1, order, 600, energyCentiKwh, 1500, 1));
            assertThat(socket.readFrame().command()).isEqualTo(0x03);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> data(Request request) {
        return (Map<String, Object>) request.json().get("data");
    }

    private static List<Request> ofOrder(int device, String order) {
        return ofDevice(device).stream().filter(r -> r.json().get("data") instanceof Map<?, ?> data
                && (order.equals(data.get("order_number")) || order.equals(data.get("order_id")))).toList();
    }

    private static List<Request> ofDevice(int device) {
        String id = String.format("%08X", device);
        return receiver.accepted().stream().filter(r -> id.equals(r.json().get("device_id"))).toList();
    }

    private static List<Request> of(int device, String type) {
        return ofDevice(device).stream().filter(r -> type.equals(r.eventType())).toList();
    }

    private static Request first(int device, String type) {
        return ofDevice(device).stream().filter(r -> type.equals(r.eventType())).findFirst().orElse(null);
    }

    private static CompletableFuture<Http.Answer> post(String path, String json) {
        return CompletableFuture.supplyAsync(() -> Http.unchecked(() -> Http.post(gateway.httpPort(), path,
                RunningGateway.API_KEY, json)));
    }
}
