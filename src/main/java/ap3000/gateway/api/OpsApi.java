package ap3000.gateway.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.camel.Exchange;
import org.apache.camel.Header;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckHelper;

import ap3000.gateway.device.DeviceRegistry;
import ap3000.gateway.event.EventJournal;
import ap3000.gateway.ops.Alerts;
import ap3000.gateway.ops.GatewayMetrics;

/** What the status page shows of this node, in one call: devices, event rate, audit lag, alerts; and IoT-Zinx's health. */
public class OpsApi {

    private static final String VERSION = version();

    private final String node;
    private final long startedAtMillis;
    private final Clock clock;
    private final DeviceRegistry devices;
    private final EventJournal journal;
    private final GatewayMetrics metrics;
    private final Alerts alerts;

    public OpsApi(String node, Clock clock, DeviceRegistry devices, EventJournal journal, GatewayMetrics metrics,
                  Alerts alerts) {
        this.node = node;
        this.clock = clock;
        this.startedAtMillis = clock.millis();
        this.devices = devices;
        this.journal = journal;
        this.metrics = metrics;
        this.alerts = alerts;
    }

    public ApiResponse status() {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("node", node);
        data.put("uptime_seconds", (clock.millis() - startedAtMillis) / 1000);
        data.put("connections", devices.connectionCount());
        data.put("devices_online", devices.onlineCount());
        data.put("charging_ports", metrics.chargingPorts());
        data.put("events_per_second", Math.round(metrics.eventsPerSecond() * 10) / 10.0);
        data.put("events_accepted", journal.acceptedCount());
        data.put("events_waiting_in_memory", journal.backlogSize());
        long lag = metrics.auditLagMillis();
        data.put("audit_lag_seconds", lag < 0 ? null : lag / 1000.0);
        data.put("alerts_firing", alerts.active());
        return ApiResponse.ok(data);
    }

    /**
     * IoT-Zinx's {@code GET /health} (gateway_handlers.go HandleHealthCheck) with this node's real state: Camel's
     * health checks (200 "ok", or 503 "down" naming the checks that are down), the gateway's version and uptime
     * written as Go writes a duration ("1h30m45s").
     */
    public ApiResponse health(Exchange exchange) {
        List<String> down = HealthCheckHelper.invoke(exchange.getContext()).stream()
                .filter(r -> r.getState() == HealthCheck.State.DOWN).map(r -> r.getCheck().getId()).sorted().toList();
        long now = clock.millis();
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("status", down.isEmpty() ? "ok" : "down");
        data.put("timestamp", OffsetDateTime.ofInstant(Instant.ofEpochMilli(now), ZoneId.systemDefault()).toString());
        data.put("version", VERSION);
        data.put("uptime", goDuration((now - startedAtMillis) / 1000));
        data.put("gateway", "AP3000 gateway (Apache Camel) node " + node);
        if (!down.isEmpty()) {
            data.put("down", down);
            exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 503);
            return new ApiResponse(503, "IoT设备网关不健康", data);
        }
        return new ApiResponse(0, "IoT设备网关运行正常", data);
    }

    private static String goDuration(long seconds) {
        long h = seconds / 3600;
        long m = seconds % 3600 / 60;
        long s = seconds % 60;
        return h > 0 ? h + "h" + m + "m" + s + "s" : m > 0 ? m + "m" + s + "s" : s + "s";
    }

    /** The Maven project version, written into the build at packaging time. */
    private static String version() {
        Properties build = new Properties();
        try (InputStream in = OpsApi.class.getResourceAsStream("/ap3000/gateway/build.properties")) {
            if (in != null) {
                build.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return build.getProperty("version", "unknown");
    }

    /** The latest alerts of every node, newest first. */
    public ApiResponse alerts(@Header("limit") String limit) {
        List<Map<String, Object>> recent = alerts.recent(QueryParams.number("limit", limit, 20, 1, 100));
        return ApiResponse.ok(Map.of("alerts", recent, "firing_here", alerts.active()));
    }
}
