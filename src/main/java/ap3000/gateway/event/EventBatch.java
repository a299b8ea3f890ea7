package ap3000.gateway.event;

import java.util.ArrayList;
import java.util.List;

/**
 * The events one device message (or one timeout, or one disconnect) produced, handed to the journal together.
 *
 * @param events      in the order they happened
 * @param acceptance  how long the caller waits for Redis to take them
 * @param onceKey     when set, the events from {@code alwaysCount} on are written only the first time this key is
 *                    seen (a retransmitted settlement of the same device, port and order); the check and the
 *                    write are one atomic step
 * @param alwaysCount how many leading events are written whatever the once-key says (a {@code device_online}
 *                    that the retransmitted frame caused is news even when the settlement is not)
 * @param summarized  the events are kept by the audit as heartbeat summaries: their journal entries carry
 *                    {@code summary=1}, for the webhooks only, and the audit reader neither files nor counts them
 */
public record EventBatch(List<DeviceEvent> events, Acceptance acceptance, String onceKey, int alwaysCount,
                         boolean summarized) {

    public EventBatch(List<DeviceEvent> events, Acceptance acceptance, String onceKey, int alwaysCount) {
        this(events, acceptance, onceKey, alwaysCount, false);
    }

    /** How a caller waits for its events to be in Redis. */
    public enum Acceptance {
        /**
         * The device is answered only once the events are in Redis, and not at all if Redis does not take them
         * (settlements: the device keeps the record and sends it again).
         */
        CRITICAL,
        /** The caller waits while Redis takes them; if Redis is down they wait in memory and the device is answered. */
        AWAITED,
        /**
         * Periodic readings (heartbeats, power samples): written in order with the rest, but nobody waits. A gateway
         * killed in the few milliseconds before the write loses them; the device repeats them on its next heartbeat.
         */
        TELEMETRY
    }

    public static final EventBatch EMPTY = new EventBatch(List.of(), Acceptance.AWAITED, null, 0);

    public static EventBatch of(List<DeviceEvent> events) {
        return events.isEmpty() ? EMPTY : new EventBatch(List.copyOf(events), Acceptance.AWAITED, null, events.size());
    }

    public static EventBatch telemetry(List<DeviceEvent> events) {
        return events.isEmpty() ? EMPTY
                : new EventBatch(List.copyOf(events), Acceptance.TELEMETRY, null, events.size());
    }

    /** An unchanged heartbeat journaled only for the webhook endpoints that subscribe to it (see {@code summarized}). */
    public static EventBatch summarized(DeviceEvent heartbeat) {
        return new EventBatch(List.of(heartbeat), Acceptance.TELEMETRY, null, 1, true);
    }

    /** Leading events written always, then events written once per key, all before the device is acked. */
    public static EventBatch once(List<DeviceEvent> always, List<DeviceEvent> once, String onceKey) {
        List<DeviceEvent> all = new ArrayList<>(always);
        all.addAll(once);
        return new EventBatch(List.copyOf(all), Acceptance.CRITICAL, onceKey, always.size());
    }

    public boolean isEmpty() {
        return events.isEmpty();
    }

    public boolean critical() {
        return acceptance == Acceptance.CRITICAL;
    }
}
