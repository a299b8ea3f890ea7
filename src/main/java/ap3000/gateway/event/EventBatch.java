package ap3000.gateway.event;

import java.util.ArrayList;
import java.util.List;

/**
 * The events one device message (or one timeout, or one disconnect) produced, handed to the journal together.
 *
 * @param events   in the order they happened
 * @param critical true when the device waits for these to be accepted before it is acked (settlements): the
 *                 journal then fails loudly instead of buffering in memory
 * @param onceKey  when set, the events from {@code alwaysCount} on are written only the first time this key is
 *                 seen (a retransmitted settlement of the same device, port and order); the check and the
 *                 write are one atomic step
 * @param alwaysCount how many leading events are written whatever the once-key says (a {@code device_online}
 *                 that the retransmitted frame caused is news even when the settlement is not)
 */
public record EventBatch(List<DeviceEvent> events, boolean critical, String onceKey, int alwaysCount) {

    public static final EventBatch EMPTY = new EventBatch(List.of(), false, null, 0);

    public static EventBatch of(List<DeviceEvent> events) {
        return events.isEmpty() ? EMPTY : new EventBatch(List.copyOf(events), false, null, events.size());
    }

    /** Leading events written always, then events written once per key, all before the device is acked. */
    public static EventBatch once(List<DeviceEvent> always, List<DeviceEvent> once, String onceKey) {
        List<DeviceEvent> all = new ArrayList<>(always);
        all.addAll(once);
        return new EventBatch(List.copyOf(all), true, onceKey, always.size());
    }

    public boolean isEmpty() {
        return events.isEmpty();
    }
}
