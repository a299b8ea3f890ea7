package ap3000.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import ap3000.gateway.Http;
import ap3000.gateway.RunningGateway;
import ap3000.gateway.device.DeviceSocket;

/**
 * The API as an attacker on the network meets it (real gateway, real HTTP): the key only from its header and
 * before any body is read, nothing of the request echoed into the response, bounded bodies, every number
 * range-checked, and no 500 for anything a client can send.
 */
class ApiSecurityEndToEndTest {

    private static final String KEY = "first-key-0123456789";
    private static final String SECOND_KEY = "second-key-9876543210";
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static RunningGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = RunningGateway.start(Map.of("gateway.api.keys", KEY + "," + SECOND_KEY,
                "gateway.api.max-body", "8192"));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    @Test
    void should_refuse_a_request_without_the_key_before_reading_its_body() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", gateway.httpPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            // announces 9 MB and sends none of it: the answer can only come from a check made before the body
            out.write(("POST /api/v1/charging/start HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 9000000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.US_ASCII));
            assertThat(in.readLine()).isEqualTo("HTTP/1.1 401 Unauthorized");
        }
    }

    @Test
    void should_take_the_key_only_from_the_header_and_accept_every_configured_key() throws Exception {
        assertThat(send("GET", "/api/v1/stats?X-API-Key=" + KEY, Map.of(), null).statusCode()).isEqualTo(401);
        assertThat(send("GET", "/api/v1/stats?x-api-key=" + KEY, Map.of(), null).statusCode()).isEqualTo(401);
        assertThat(send("GET", "/api/v1/stats", Map.of("X-API-Key", KEY + "x"), null).statusCode()).isEqualTo(401);
        assertThat(send("GET", "/api/v1/stats", Map.of("X-API-Key", KEY), null).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/api/v1/stats", Map.of("X-API-Key", SECOND_KEY), null).statusCode()).isEqualTo(200);
        HttpResponse<String> refused = send("GET", "/api/v1/audit/stats", Map.of(), null);
        assertThat(refused.body()).contains("\"code\":401", "missing X-API-Key header");
    }

    @Test
    void should_copy_no_request_header_or_parameter_into_a_response() throws Exception {
        String injection = "?Set-Cookie=session%3Dstolen&Access-Control-Allow-Origin=https%3A%2F%2Fevil.example"
                + "&Location=https%3A%2F%2Fevil.example";
        Map<String, String> headers = Map.of("X-API-Key", KEY, "X-Forwarded-For", "10.0.0.1", "Origin",
                "https://evil.example", "X-Custom", "echo-me");
        for (HttpResponse<String> response : List.of(
                send("GET", "/api/v1/stats" + injection, headers, null),
                send("GET", "/api/v1/device/ZZZ/status" + injection, headers, null),
                send("POST", "/api/v1/charging/start" + injection, headers, "{\"deviceId\":\"x\"}"),
                send("GET", "/api/v1/notifications/dead-letters" + injection, headers, null))) {
            assertThat(response.headers().map().keySet()).map(String::toLowerCase)
                    .doesNotContain("x-api-key", "set-cookie", "access-control-allow-origin", "location",
                            "x-forwarded-for", "origin", "x-custom");
            assertThat(response.headers().map().values().toString()).doesNotContain(KEY, "evil", "echo-me");
        }
        HttpResponse<String> typed = send("GET", "/api/v1/stats?Content-Type=text%2Fhtml%3Bx%3Djson",
                Map.of("X-API-Key", KEY), null);
        assertThat(typed.headers().firstValue("Content-Type").orElse("")).doesNotContain("html");
    }

    @Test
    void should_refuse_a_body_over_the_limit_with_413() throws Exception {
        String big = "{\"deviceId\":\"04A228CD\",\"pad\":\"" + "x".repeat(10_000) + "\"}";
        HttpResponse<String> declared = send("POST", "/api/v1/charging/start", Map.of("X-API-Key", KEY), big);
        assertThat(declared.statusCode()).isEqualTo(413);
        assertThat(declared.body()).contains("gateway.api.max-body");
        // no Content-Length: the server stops reading at the limit
        HttpRequest chunked = HttpRequest.newBuilder(uri("/api/v1/charging/start")).header("X-API-Key", KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(
                        big.getBytes(StandardCharsets.UTF_8)))).build();
        HttpResponse<String> streamed = CLIENT.send(chunked, HttpResponse.BodyHandlers.ofString());
        assertThat(streamed.statusCode()).isEqualTo(413);
        assertThat(streamed.body()).contains("gateway.api.max-body");
    }

    @Test
    void should_refuse_out_of_range_numbers_naming_the_field_instead_of_wrapping_them() throws Exception {
        String base = "\"deviceId\":\"04A228CD\",\"mode\":0,\"orderNo\":\"ORDER1\",\"balance\":100";
        assertRefused("/api/v1/charging/start", "{" + base + ",\"port\":18446744073709551617,\"value\":60}", "port");
        assertRefused("/api/v1/charging/start", "{" + base + ",\"port\":1,\"value\":18446744073709555216}", "value");
        assertRefused("/api/v1/charging/start", "{" + base + ",\"port\":1e400,\"value\":60}", "port");
        assertRefused("/api/v1/charging/start", "{" + base + ",\"port\":-1,\"value\":60}", "port");
        assertRefused("/api/v1/charging/start", "{" + base + ",\"port\":1,\"value\":60,\"maxDuration\":1e30}",
                "maxDuration");
        assertRefused("/api/v1/charging/start", "{\"deviceId\":\"04A228CD\",\"mode\":0,\"orderNo\":\"O\","
                + "\"port\":1,\"value\":60,\"balance\":4294967296}", "balance");
        assertRefused("/api/v1/charging/start", "{" + base + ",\"port\":1,\"value\":60,\"overloadPower\":1e400}",
                "overloadPower");
        assertRefused("/api/v1/device/locate", "{\"deviceId\":\"04A228CD\",\"locateTime\":18446744073709551617}",
                "locateTime");
        assertRefused("/api/v1/charging/modify", "{\"deviceId\":\"04A228CD\",\"port\":1,\"mode\":0,"
                + "\"value\":NaN}", "body");
    }

    @Test
    void should_refuse_parameter_values_the_device_cannot_hold_for_a_connected_device() throws Exception {
        try (DeviceSocket device = DeviceSocket.online(gateway.tcpPort(), 0x04A30001)) {
            String run1 = "{\"unplugPower\":10,\"unplugDetectSeconds\":10,\"floatPercent\":300,"
                    + "\"floatDetectSeconds\":10,\"floatSeconds\":10,\"heartbeatIntervalSeconds\":60}";
            HttpResponse<String> oneByte = send("PUT", "/api/v1/device/04A30001/params/run1",
                    Map.of("X-API-Key", KEY), run1);
            assertThat(oneByte.statusCode()).isEqualTo(400);
            assertThat(oneByte.body()).contains("floatPercent: must be 0..255");
            String limits = "{\"maxChargeSeconds\":3600,\"overloadPowerDeciWatts\":100,"
                    + "\"overVoltageDeciVolts\":70000,\"underVoltageDeciVolts\":-1}";
            HttpResponse<String> optional = send("PUT", "/api/v1/device/04A30001/params/limits",
                    Map.of("X-API-Key", KEY), limits);
            assertThat(optional.statusCode()).isEqualTo(400);
            assertThat(optional.body()).contains("overVoltageDeciVolts: must be 0..65535");
        }
    }

    @Test
    void should_answer_every_malformed_request_with_a_4xx_never_a_500() throws Exception {
        List<String> bodies = List.of("", "null", "[]", "\"text\"", "42", "{", "{\"deviceId\":{}}",
                "{\"deviceId\":[1,2]}", "{\"deviceId\":\"04A228CD\",\"port\":\"1\"}",
                "{\"deviceId\":\"04A228CD\",\"port\":true}", "{\"deviceId\":1e400}", "{\"deviceId\":-1}",
                "{\"deviceId\":\"04A228CD\",\"port\":1,\"orderNo\":{\"a\":1}}", "{\"a\":" + "[".repeat(2000) + "}");
        List<String[]> calls = List.of(new String[]{"POST", "/api/v1/charging/start"},
                new String[]{"POST", "/api/v1/charging/stop"}, new String[]{"POST", "/api/v1/charging/modify"},
                new String[]{"POST", "/api/v1/device/locate"}, new String[]{"POST", "/api/v1/device/reboot"},
                new String[]{"PUT", "/api/v1/device/04A228CD/params/run1"},
                new String[]{"PUT", "/api/v1/device/04A228CD/params/nope"});
        for (String[] call : calls) {
            for (String body : bodies) {
                int status = send(call[0], call[1], Map.of("X-API-Key", KEY, "Content-Type", "application/json"),
                        body).statusCode();
                assertThat(status).as(call[0] + " " + call[1] + " " + body).isBetween(400, 499);
            }
        }
        for (String query : List.of("/api/v1/devices?page=abc", "/api/v1/devices?limit=1e400",
                "/api/v1/devices?page=-5&limit=99999999999999999999", "/api/v1/audit/devices/04A228CD/events?from=x",
                "/api/v1/audit/devices/04A228CD/events?limit=18446744073709551617",
                "/api/v1/notifications/dead-letters?limit=1e400", "/api/v1/ops/alerts?limit=-1",
                "/api/v1/device/%00%ff/status", "/api/v1/device/04A228CD/params/..%2F..")) {
            int status = send("GET", query, Map.of("X-API-Key", KEY), null).statusCode();
            assertThat(status).as(query).isLessThan(500);
        }
    }

    @Test
    void should_generate_a_key_on_first_start_keep_it_and_open_the_api_only_when_told() throws Exception {
        Path dataDir = Files.createTempDirectory("api-key-test");
        Map<String, String> noKey = new HashMap<>(Map.of("gateway.api.keys", "", "gateway.data-dir",
                dataDir.toString()));
        String generated;
        try (RunningGateway first = RunningGateway.start(noKey)) {
            Path file = dataDir.resolve("api-key");
            assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            generated = Files.readString(file).trim();
            assertThat(generated).hasSizeGreaterThanOrEqualTo(40);
            assertThat(Http.get(first.httpPort(), "/api/v1/stats", null).status()).isEqualTo(401);
            assertThat(Http.get(first.httpPort(), "/api/v1/stats", generated).status()).isEqualTo(200);
        }
        try (RunningGateway again = RunningGateway.start(noKey)) {
            assertThat(Http.get(again.httpPort(), "/api/v1/stats", generated).status()).isEqualTo(200);
        }
        try (RunningGateway open = RunningGateway.start(Map.of("gateway.api.open", "true"))) {
            assertThat(Http.get(open.httpPort(), "/api/v1/stats", null).status()).isEqualTo(200);
        }
    }

    private static void assertRefused(String path, String json, String field) throws Exception {
        HttpResponse<String> response = send("POST", path, Map.of("X-API-Key", KEY), json);
        assertThat(response.statusCode()).as(json).isEqualTo(400);
        // the gateway's own paths name the field in the message, IoT-Zinx's in data.error
        assertThat(response.body()).as(json).containsAnyOf("\"message\":\"" + field, "\"error\":\"" + field);
    }

    private static HttpResponse<String> send(String method, String path, Map<String, String> headers, String body)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null && !headers.containsKey("Content-Type")) {
            request.header("Content-Type", "application/json");
        }
        headers.forEach(request::header);
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + gateway.httpPort() + path);
    }
}
