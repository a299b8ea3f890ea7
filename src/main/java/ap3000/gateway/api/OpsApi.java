package ap3000.gateway.api;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.camel.Header;

import ap3000.gateway.device.DeviceRegistry;
import ap3000.gateway.event.EventJournal;
import ap3000.gateway.ops.Alerts;
import ap3000.gateway.ops.GatewayMetrics;

/** What the status page shows of this node, in one call: devices, event rate, audit lag, alerts. */
public class OpsApi {

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

    /** The latest alerts of every node, newest first. */
    public ApiResponse alerts(@Header("limit") String limit) {
        List<Map<String, Object>> recent = alerts.recent(QueryParams.number("limit", limit, 20, 1, 100));
        return ApiResponse.ok(Map.of("alerts", recent, "firing_here", alerts.active()));
    }
}
