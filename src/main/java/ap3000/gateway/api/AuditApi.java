package ap3000.gateway.api;

import java.time.Clock;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.camel.Header;

import ap3000.gateway.audit.AuditStore;
import ap3000.gateway.audit.FrameDescription;
import ap3000.gateway.audit.FrameLog;
import ap3000.gateway.audit.HeartbeatSummaries;
import ap3000.gateway.event.DeviceEvent;
import ap3000.gateway.event.EventType;
import ap3000.gateway.protocol.DeviceIds;

/** The audit trail's query API: a device's timeline, sessions by order and by device, counts by type. */
public class AuditApi {

    private static final int MAX_LIMIT = 1000;
    private static final int DEFAULT_LIMIT = 100;
    private static final long DAY_SECONDS = 86_400;

    private final AuditStore store;
    private final FrameLog frameLog;
    private final HeartbeatSummaries heartbeats;
    private final Clock clock;

    public AuditApi(AuditStore store, FrameLog frameLog, HeartbeatSummaries heartbeats, Clock clock) {
        this.store = store;
        this.frameLog = frameLog;
        this.heartbeats = heartbeats;
        this.clock = clock;
    }

    /** Events of a device between {@code from} and {@code to} (Unix seconds; default the last 24 h). */
    public ApiResponse deviceEvents(@Header("deviceId") String deviceId, @Header("from") String from,
                                    @Header("to") String to, @Header("type") String type,
                                    @Header("limit") String limit) {
        String device = deviceId(deviceId);
        Range range = range(from, to);
        if (type != null && Arrays.stream(EventType.values()).noneMatch(t -> t.wireName().equals(type))) {
            throw ApiException.badRequest("type", "unknown event type '" + type + "'");
        }
        int max = QueryParams.number("limit", limit, DEFAULT_LIMIT, 1, MAX_LIMIT);
        if (!store.isKnownDevice(device)) {
            throw ApiException.notFound("no audit trail for device " + device + " (unknown, or older than the "
                    + "retention of " + store.eventsTtlSeconds() / 3600 + " h)");
        }
        List<DeviceEvent> events = store.events(device, range.fromMillis(), range.toMillis(), type, max);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("device_id", device);
        data.put("from", range.from());
        data.put("to", range.to());
        data.put("count", events.size());
        data.put("events", events);
        return ApiResponse.ok(data);
    }

    /**
     * Raw frames of a device, both directions, between {@code from} and {@code to} (Unix seconds; default the last
     * 24 h), oldest first, each decoded by the codec. A device with neither frames nor an audit trail is unknown.
     */
    public ApiResponse deviceFrames(@Header("deviceId") String deviceId, @Header("from") String from,
                                    @Header("to") String to, @Header("limit") String limit) {
        String device = deviceId(deviceId);
        Range range = range(from, to);
        int max = QueryParams.number("limit", limit, DEFAULT_LIMIT, 1, MAX_LIMIT);
        List<Map<String, Object>> frames = frameLog.frames(device, range.fromMillis(), range.toMillis(), max)
                .stream().map(FrameDescription::of).toList();
        if (frames.isEmpty() && !store.isKnownDevice(device)) {
            throw ApiException.notFound("no audit trail for device " + device + " (unknown, or older than the "
                    + "retention of " + frameLog.ttlSeconds() / 3600 + " h for frames)");
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("device_id", device);
        data.put("from", range.from());
        data.put("to", range.to());
        data.put("count", frames.size());
        data.put("frames", frames);
        return ApiResponse.ok(data);
    }

    /** Hourly heartbeat summaries of a device between {@code from} and {@code to} (as for the events), oldest first. */
    public ApiResponse deviceHeartbeats(@Header("deviceId") String deviceId, @Header("from") String from,
                                        @Header("to") String to) {
        String device = deviceId(deviceId);
        Range range = range(from, to);
        if (!store.isKnownDevice(device)) {
            throw ApiException.notFound("no audit trail for device " + device + " (unknown, or older than the "
                    + "retention of " + store.eventsTtlSeconds() / 3600 + " h)");
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("device_id", device);
        data.put("from", range.from());
        data.put("to", range.to());
        data.put("hours", heartbeats.hours(device, range.fromMillis(), range.toMillis()));
        return ApiResponse.ok(data);
    }

    public ApiResponse session(@Header("orderNo") String orderNo) {
        return store.sessionStory(orderNo).map(ApiResponse::ok)
                .orElseThrow(() -> ApiException.notFound("no charging session for order " + orderNo));
    }

    public ApiResponse deviceSessions(@Header("deviceId") String deviceId, @Header("limit") String limit) {
        String device = deviceId(deviceId);
        int max = QueryParams.number("limit", limit, DEFAULT_LIMIT, 1, MAX_LIMIT);
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

    /** A time range of a query, Unix seconds, both ends included. */
    private record Range(long from, long to) {
        long fromMillis() {
            return from * 1000;
        }

        long toMillis() {
            return to * 1000 + 999;
        }
    }

    /** {@code from} and {@code to} as given (Unix seconds), by default the last 24 h; 400 for a bad one. */
    private Range range(String from, String to) {
        long toSeconds = to == null ? clock.millis() / 1000 : seconds("to", to);
        long fromSeconds = from == null ? toSeconds - DAY_SECONDS : seconds("from", from);
        if (fromSeconds > toSeconds) {
            throw ApiException.badRequest("from", "must not be after to (" + fromSeconds + " > " + toSeconds + ")");
        }
        return new Range(fromSeconds, toSeconds);
    }

    /** Any form of device ID; the audit trail files devices under the 8-hex form. */
    private static String deviceId(String deviceId) {
        return DeviceIds.format(QueryParams.deviceId(deviceId));
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
}
