package ap3000.gateway.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import ap3000.gateway.Http;
import ap3000.gateway.RunningGateway;
import ap3000.gateway.device.DeviceRegistry;
import ap3000.gateway.device.DeviceSocket;
import ap3000.gateway.event.DeviceEvent;
import ap3000.gateway.notify.WebhookReceiver;
import ap3000.gateway.protocol.DnyFrame;
import ap3000.gateway.protocol.Payload;
import ap3000.gateway.redis.RedisConnection;
import redis.clients.jedis.UnifiedJedis;

/**
 * Heartbeats that change nothing become hourly summaries: out of the timeline and (unless a webhook endpoint wants
 * them) out of the journal, yet counted, with their ranges and gaps, and the device's liveness unchanged.
 */
class HeartbeatSummaryEndToEndTest {

    private static final String KEY = RunningGateway.API_KEY;

    @Test
    void should_summarize_unchanged_heartbeats_and_keep_them_out_of_the_timeline_and_the_journal() throws Exception {
        int device = 0x04600001;
        String deviceId = "04600001";
        try (RunningGateway gateway = RunningGateway.start(fast())) {
            try (DeviceSocket socket = DeviceSocket.online(gateway.tcpPort(), device)) {
                // the first heartbeat reports the ports: a change; then five unchanged ones, then a port change
                heartbeat(socket, device, 2, 2300, 20, 30, 0, 0);
                heartbeat(socket, device, 3, 2210, 12, 31, 0, 0);
                heartbeat(socket, device, 4, 2350, 25, 27, 0, 0);
                Thread.sleep(400); // the gap the summary must measure
                heartbeat(socket, device, 5, 2280, 18, 29, 0, 0);
                heartbeat(socket, device, 6, 2305, 9, 33, 0, 0);
                heartbeat(socket, device, 7, 2290, 30, 30, 0, 0);
                heartbeat(socket, device, 8, 2300, 20, 30, 1, 0);
            }
            // every heartbeat is in the summary, changed or not: "was it alive" is complete
            await().atMost(Duration.ofSeconds(10)).until(() -> total(hours(gateway, deviceId), "count") == 7);
            List<Map<String, Object>> hours = hours(gateway, deviceId);
            assertThat(min(hours, "voltage")).isEqualByComparingTo("221.0");
            assertThat(max(hours, "voltage")).isEqualByComparingTo("235.0");
            assertThat(min(hours, "signal")).isEqualByComparingTo("9");
            assertThat(max(hours, "signal")).isEqualByComparingTo("30");
            assertThat(min(hours, "temperature")).isEqualByComparingTo("27");
            assertThat(max(hours, "temperature")).isEqualByComparingTo("33");
            assertThat(hours).allSatisfy(hour -> assertThat((String) hour.get("hour")).endsWith(":00:00Z"));
            BigDecimal longestGap = hours.stream().map(h -> new BigDecimal(h.get("longest_gap_seconds").toString()))
                    .max(BigDecimal::compareTo).orElseThrow();
            assertThat(longestGap).isBetween(new BigDecimal("0.4"), new BigDecimal("10"));

            // the timeline holds the heartbeats that changed something, with their port changes, nothing else
            await().atMost(Duration.ofSeconds(10)).until(() -> timeline(gateway, deviceId).size() == 8);
            assertThat(timeline(gateway, deviceId)).containsExactly("device_online", "device_register",
                    "device_heartbeat", "port_heartbeat", "port_heartbeat", "device_heartbeat", "port_heartbeat",
                    "device_offline");
            // no endpoint subscribes: the unchanged heartbeats never reached the journal
            assertThat(gateway.journal(deviceId).stream().filter(e -> e.eventType().equals("device_heartbeat")))
                    .hasSize(2);
            // counted once each: 2 by the audit reader with their events, 5 by the summary
            await().atMost(Duration.ofSeconds(10)).until(() -> heartbeatCount(gateway) == 7);

            assertEveryHeartbeatKeyHasATtl(gateway, deviceId);
            Http.Answer bad = Http.get(gateway.httpPort(),
                    "/api/v1/audit/devices/" + deviceId + "/heartbeats?from=200&to=100", KEY);
            assertThat(bad.status()).isEqualTo(400);
            assertThat((String) bad.body().get("message")).contains("from: must not be after to");
            assertThat(Http.get(gateway.httpPort(), "/api/v1/audit/devices/" + deviceId + "/heartbeats?to=x", KEY)
                    .body().get("message").toString()).contains("to: must be Unix seconds");
            assertThat(Http.get(gateway.httpPort(), "/api/v1/audit/devices/04FFFFFF/heartbeats", KEY).status())
                    .isEqualTo(404);
        }
    }

    @Test
    void should_journal_and_deliver_unchanged_heartbeats_to_a_subscribing_endpoint_yet_count_them_once()
            throws Exception {
        int device = 0x04600002;
        String deviceId = "04600002";
        try (WebhookReceiver receiver = new WebhookReceiver()) {
            Map<String, String> properties = fast();
            properties.put("notify.endpoints", "sink");
            properties.put("notify.endpoints.sink.url", receiver.url());
            properties.put("notify.endpoints.sink.event-types", "device_heartbeat,port_heartbeat");
            // every heartbeat delivered, however slow the receiver's side is today (conflation has its own test)
            properties.put("notify.endpoints.sink.conflate-heartbeats", "false");
            properties.put("notify.poll-interval", "20ms");
            try (RunningGateway gateway = RunningGateway.start(properties)) {
                try (DeviceSocket socket = DeviceSocket.online(gateway.tcpPort(), device)) {
                    heartbeat(socket, device, 2, 2300, 20, 30, 0);
                    heartbeat(socket, device, 3, 2310, 21, 30, 0);
                    heartbeat(socket, device, 4, 2320, 22, 30, 0);
                    heartbeat(socket, device, 5, 2330, 23, 30, 0);
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> receiver.accepted().stream()
                        .filter(r -> r.eventType().equals("device_heartbeat")).count() == 4);
                assertThat(gateway.journal(deviceId).stream().filter(e -> e.eventType().equals("device_heartbeat")))
                        .hasSize(4);
                await().atMost(Duration.ofSeconds(10)).until(() -> total(hours(gateway, deviceId), "count") == 4);
                await().atMost(Duration.ofSeconds(10)).until(() -> timeline(gateway, deviceId).contains("device_offline"));
                assertThat(timeline(gateway, deviceId)).containsExactly("device_online", "device_register",
                        "device_heartbeat", "port_heartbeat", "device_offline");
                // 1 counted by the audit reader (it changed the port), 3 by the summary: none twice
                await().atMost(Duration.ofSeconds(10)).until(() -> heartbeatCount(gateway) == 4);
                Thread.sleep(500); // a late double count would show within a few flushes
                assertThat(heartbeatCount(gateway)).isEqualTo(4);
            }
        }
    }

    @Test
    void should_keep_a_device_online_on_unchanged_heartbeats_and_take_it_offline_after_silence() throws Exception {
        int device = 0x04600003;
        String deviceId = "04600003";
        Map<String, String> properties = fast();
        properties.put("gateway.device.offline-after", "2s");
        properties.put("gateway.device.sweep-interval", "200ms");
        try (RunningGateway gateway = RunningGateway.start(properties);
             DeviceSocket socket = DeviceSocket.online(gateway.tcpPort(), device)) {
            DeviceRegistry registry = gateway.bean("deviceRegistry", DeviceRegistry.class);
            long until = System.currentTimeMillis() + 5_000;
            int message = 2;
            while (System.currentTimeMillis() < until) {
                heartbeat(socket, device, message++, 2300, 20, 30, 0);
                assertThat(registry.device(device).isOnline()).as("online while it sends heartbeats").isTrue();
                Thread.sleep(500);
            }
            assertThat(gateway.journal(deviceId)).extracting(DeviceEvent::eventType).doesNotContain("device_offline");
            int sent = message - 2;
            // silent now, the connection still open
            await().atMost(Duration.ofSeconds(10)).until(() -> !registry.device(device).isOnline());
            DeviceEvent offline = await().atMost(Duration.ofSeconds(5)).until(() -> gateway.journal(deviceId).stream()
                    .filter(e -> e.eventType().equals("device_offline")).findFirst().orElse(null), e -> e != null);
            assertThat(offline.data()).containsEntry("offline_reason", "heartbeat_timeout");
            await().atMost(Duration.ofSeconds(10)).until(() -> total(hours(gateway, deviceId), "count") == sent);
        }
    }

    /** The figure for the memory table: one device-day with 24 full hours (a heartbeat every 20 s). */
    @Test
    void should_keep_a_full_device_day_compact_in_redis() throws Exception {
        try (RunningGateway gateway = RunningGateway.start(fast())) {
            HeartbeatSummaries summaries = gateway.bean("heartbeatSummaries", HeartbeatSummaries.class);
            String deviceId = "04600004";
            LocalDate day = LocalDate.now(ZoneOffset.UTC).minusDays(1);
            long dayStart = day.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
            // every 20 s (+ up to 78 ms), in order; a flush in the middle of hour 11, so that the second half merges
            // into what the first stored
            for (int hour = 0; hour < 24; hour++) {
                for (int i = 0; i < 180; i++) {
                    if (hour == 11 && i == 90) {
                        summaries.flush();
                    }
                    long at = dayStart + hour * 3_600_000L + i * 20_000L + (i % 7) * 13;
                    summaries.record(0x04600004, at, new Payload.Heartbeat(BigDecimal.valueOf(2200 + i, 1),
                            List.of(), 10 + i % 21, 25 + i % 9), true);
                }
            }
            summaries.flush();
            UnifiedJedis redis = gateway.bean("redis", RedisConnection.class).client();
            String key = "audit:heartbeats:" + deviceId + ":" + day.format(DateTimeFormatter.BASIC_ISO_DATE);
            assertThat(redis.hlen(key)).isEqualTo(24);
            Long bytes = redis.memoryUsage(key);
            System.out.println("MEMORY USAGE of one device-day heartbeat summary (24 hours): " + bytes + " bytes; "
                    + "encoding " + redis.objectEncoding(key) + "; hour 13 = " + redis.hget(key, "13"));
            assertThat(redis.objectEncoding(key)).isIn("ziplist", "listpack");
            assertThat(redis.ttl(key)).isPositive();
            List<Map<String, Object>> hours = summaries.hours(deviceId, dayStart, dayStart + 86_400_000L - 1);
            assertThat(hours).hasSize(24).allSatisfy(hour -> assertThat(hour).containsEntry("count", 180L));
            assertThat(hours.get(0)).containsEntry("hour", day + "T00:00:00Z");
            // the longest gap, 20.013 s, first from the hour's first heartbeat (i % 7 == 0 to 1)
            assertThat(hours).allSatisfy(hour -> assertThat((BigDecimal) hour.get("longest_gap_seconds"))
                    .isEqualByComparingTo("20.013"));
            assertThat(hours.get(11)).containsEntry("longest_gap_started", (dayStart + 11 * 3_600_000L) / 1000)
                    .containsEntry("first", (dayStart + 11 * 3_600_000L) / 1000)
                    .containsEntry("last", (dayStart + 11 * 3_600_000L + 179 * 20_000L) / 1000);
            assertThat(hours.get(11).get("voltage")).isEqualTo(Map.of("min", new BigDecimal("220.0"),
                    "max", new BigDecimal("237.9")));
        }
    }

    private static Map<String, String> fast() {
        Map<String, String> properties = new HashMap<>();
        properties.put("audit.flush-interval", "200ms");
        properties.put("audit.heartbeats.flush-interval", "200ms");
        return properties;
    }

    /** A 0x21 heartbeat with the given readings, its answer read. */
    private static void heartbeat(DeviceSocket socket, int device, int messageId, int decivolts, int signal,
                                  int celsius, int... ports) throws Exception {
        ByteBuffer data = ByteBuffer.allocate(5 + ports.length).order(ByteOrder.LITTLE_ENDIAN);
        data.putShort((short) decivolts).put((byte) ports.length);
        for (int port : ports) {
            data.put((byte) port);
        }
        data.put((byte) signal).put((byte) (celsius + 65));
        socket.send(new DnyFrame(device, messageId, 0x21, data.array()));
        socket.readFrame();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> hours(RunningGateway gateway, String deviceId) throws Exception {
        Http.Answer answer = Http.get(gateway.httpPort(), "/api/v1/audit/devices/" + deviceId + "/heartbeats", KEY);
        if (answer.status() == 404) {
            return List.of();
        }
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.data()).containsEntry("device_id", deviceId).containsKeys("from", "to");
        return (List<Map<String, Object>>) answer.data().get("hours");
    }

    @SuppressWarnings("unchecked")
    private static List<String> timeline(RunningGateway gateway, String deviceId) throws Exception {
        Http.Answer answer = Http.get(gateway.httpPort(), "/api/v1/audit/devices/" + deviceId + "/events", KEY);
        if (answer.status() == 404) {
            return List.of();
        }
        return ((List<Map<String, Object>>) answer.data().get("events")).stream()
                .map(e -> (String) e.get("event_type")).toList();
    }

    @SuppressWarnings("unchecked")
    private static long heartbeatCount(RunningGateway gateway) throws Exception {
        Map<String, Object> counts = (Map<String, Object>) Http.get(gateway.httpPort(), "/api/v1/audit/stats", KEY)
                .data().get("counts");
        return ((Number) counts.get("device_heartbeat")).longValue();
    }

    private static long total(List<Map<String, Object>> hours, String field) {
        return hours.stream().mapToLong(h -> ((Number) h.get(field)).longValue()).sum();
    }

    @SuppressWarnings("unchecked")
    private static BigDecimal min(List<Map<String, Object>> hours, String range) {
        return hours.stream().map(h -> new BigDecimal(((Map<String, Object>) h.get(range)).get("min").toString()))
                .min(BigDecimal::compareTo).orElseThrow();
    }

    @SuppressWarnings("unchecked")
    private static BigDecimal max(List<Map<String, Object>> hours, String range) {
        return hours.stream().map(h -> new BigDecimal(((Map<String, Object>) h.get(range)).get("max").toString()))
                .max(BigDecimal::compareTo).orElseThrow();
    }

    private static void assertEveryHeartbeatKeyHasATtl(RunningGateway gateway, String deviceId) {
        UnifiedJedis redis = gateway.bean("redis", RedisConnection.class).client();
        Set<String> keys = gateway.keys("audit:*");
        assertThat(keys).anyMatch(key -> key.startsWith("audit:heartbeats:" + deviceId + ":"));
        for (String key : keys) {
            assertThat(redis.ttl(key)).as("TTL of " + key).isPositive();
        }
    }
}
