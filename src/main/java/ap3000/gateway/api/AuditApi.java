package ap3000.gateway.api;

import java.time.Clock;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.camel.Header;

import ap3000.gateway.audit.AuditStore;
import ap3000.gateway.event.DeviceEvent;
import ap3000.gateway.event.EventType;

/** The audit trail's query API: a device's timeline, sessions by order and by device, counts by type. */
public class AuditApi {

    private static final int MAX_LIMIT = 1000;
    private static final int DEFAULT_LIMIT = 100;
    private static final long DAY_SECONDS = 86_400;

    private final AuditStore store;
    private final Clock clock;

    public AuditApi(AuditStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /** Events of a device between {@code from} and {@code to} (Unix seconds; default the last 24 h). */
    public ApiResponse deviceEvents(@Header("deviceId") String deviceId, @Header("from") String from,
                                    @Header("to") String to, @Header("type") String type,
                                    @Header("limit") String limit) {
        String device = deviceId(deviceId);
        long toSeconds = to == null ? clock.millis() / 1000 : seconds("to", to);
        long fromSeconds = from == null ? toSeconds - DAY_SECONDS : seconds("from", from);
        if (fromSeconds > toSeconds) {
            throw ApiException.badRequest("from", "must not be after to (" + fromSeconds + " > " + toSeconds + ")");
        }
        if (type != null && Arrays.stream(EventType.values()).noneMatch(t -> t.wireName().equals(type))) {
            throw ApiException.badRequest("type", "unknown event type '" + type + "'");
        }
        int max = limit("limit", limit);
        if (!store.isKnownDevice(device)) {
            throw ApiException.notFound("no audit trail for device " + device + " (unknown, or older than the "
                    + "retention of " + store.eventsTtlSeconds() / 3600 + " h)");
        }
        List<DeviceEvent> events = store.events(device, fromSeconds * 1000, toSeconds * 1000 + 999, type, max);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("device_id", device);
        data.put("from", fromSeconds);
        data.put("to", toSeconds);
        data.put("count", events.size());
        data.put("events", events);
        return ApiResponse.ok(data);
    }

    public ApiResponse session(@Header("orderNo") String orderNo) {
        return store.session(orderNo).map(ApiResponse::ok)
                .orElseThrow(() -> ApiException.notFound("no charging session for order " + orderNo));
    }

    public ApiResponse deviceSessions(@Header("deviceId") String deviceId, @Header("limit") String limit) {
        String device = deviceId(deviceId);
        int max = limit("limit", limit);
        if (!store.isKnownDevice(device)) {
            throw ApiException.notFound("no audit trail for device " + device);
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("device_id", device);
        data.put("sessions", store.sessions(device, max));
        return ApiResponse.ok(data);
    }

    /** Events per type over the retention of the audit trail. */
    public ApiResponse stats() {
        int days = (int) Math.max(1, (store.eventsTtlSeconds() + DAY_SECONDS - 1) / DAY_SECONDS);
        Map<String, Long> counts = store.countsByType(days + 1);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("days", days + 1);
        data.put("total", counts.values().stream().mapToLong(Long::longValue).sum());
        data.put("counts", counts);
        return ApiResponse.ok(data);
    }

    /** Audit keys use the 8-hex form; lower case is accepted. */
    private static String deviceId(String deviceId) {
        if (deviceId == null || !deviceId.matches("[0-9A-Fa-f]{8}")) {
            throw ApiException.badRequest("deviceId", "must be 8 hex digits, like 04A228CD");
        }
        return deviceId.toUpperCase();
    }

    private static long seconds(String field, String value) {
        try {
            long v = Long.parseLong(value.trim());
            if (v < 0) {
                throw ApiException.badRequest(field, "must be Unix seconds, not negative");
            }
            return v;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(field, "must be Unix seconds, was '" + value + "'");
        }
    }

    private static int limit(String field, String value) {
        if (value == null) {
            return DEFAULT_LIMIT;
        }
        try {
            int v = Integer.parseInt(value.trim());
            if (v < 1 || v > MAX_LIMIT) {
                throw ApiException.badRequest(field, "must be 1.." + MAX_LIMIT + ", was " + v);
            }
            return v;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(field, "must be a number 1.." + MAX_LIMIT + ", was '" + value + "'");
        }
    }
}
