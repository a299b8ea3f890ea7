package ap3000.gateway.audit;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import ap3000.gateway.event.DeviceEvent;

/**
 * A charging session's story, told from what the audit already keeps: its events are found in the device's
 * timeline over the session's time window (nothing extra is written per event), its power from the samples.
 */
final class SessionStory {

    /**
     * How far before its first recorded event and after its last the window reaches: the commands precede the
     * device's answer by at most two ack timeouts and the pacing, and a stop's answer may follow the settlement.
     */
    static final long MARGIN_MILLIS = 10 * 60_000L;

    private SessionStory() {
    }

    /**
     * The window, in milliseconds, from the session record (start and end in Unix seconds, last update in ms) and
     * the millisecond its first event was filed (its score in the device's sessions, null if gone).
     */
    static long[] window(Map<String, Object> session, Double firstSeenMillis) {
        long updated = (Long) session.get("updated_at_ms");
        long from = firstSeenMillis == null ? updated : firstSeenMillis.longValue();
        long to = updated;
        if (session.get("start_time") instanceof Long start) {
            from = Math.min(from, start * 1000);
        }
        if (session.get("end_time") instanceof Long end) {
            to = Math.max(to, end * 1000 + 999);
        }
        return new long[] {from - MARGIN_MILLIS, to + MARGIN_MILLIS};
    }

    /**
     * The events that carry the order, as the timeline has them, oldest first. {@code charging_power} is left out:
     * it repeats the {@code power_heartbeat} of the same frame.
     */
    static List<Map<String, Object>> events(String order, List<DeviceEvent> timeline) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (DeviceEvent e : timeline) {
            if (e.data() == null || "charging_power".equals(e.eventType())) {
                continue;
            }
            Object carried = e.data().containsKey("order_id") ? e.data().get("order_id") : e.data().get("order_number");
            if (order.equals(carried)) {
                Map<String, Object> event = new LinkedHashMap<>();
                event.put("time", e.timestamp());
                event.put("event_id", e.eventId());
                event.put("event_type", e.eventType());
                event.put("port_number", e.portNumber());
                event.put("direction", e.direction());
                event.put("frame_hex", e.frameHex());
                event.put("data", e.data());
                out.add(event);
            }
        }
        return out;
    }

    /** Samples ({@code ms|watts}, oldest first) as {@code {time, watts}}, time in Unix seconds. */
    static List<Map<String, Object>> powerSeries(List<String> samples) {
        List<Map<String, Object>> series = new ArrayList<>(samples.size());
        for (String sample : samples) {
            int bar = sample.indexOf('|');
            Map<String, Object> point = new LinkedHashMap<>();
            point.put("time", Long.parseLong(sample.substring(0, bar)) / 1000);
            point.put("watts", new BigDecimal(sample.substring(bar + 1)));
            series.add(point);
        }
        return series;
    }
}
