package ap3000.gateway.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import ap3000.gateway.RunningGateway;

/**
 * Several journal writers against a real Redis: every event is written once, each device's events in the order
 * they were accepted, and a batch with the events of several devices (a connection closing) is split between the
 * writers and still answered only once all of it is written.
 */
class EventJournalWritersEndToEndTest {

    private static final int DEVICES = 12;
    private static final int EVENTS_PER_DEVICE = 300;

    private RunningGateway gateway;

    @AfterEach
    void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void should_keep_each_devices_events_in_order_across_writers() throws Exception {
        gateway = RunningGateway.start(Map.of("gateway.events.writers", "3"));
        EventJournal journal = gateway.bean("eventJournal", EventJournal.class);

        ExecutorService callers = Executors.newFixedThreadPool(DEVICES);
        List<Future<?>> running = new ArrayList<>();
        for (int d = 0; d < DEVICES; d++) {
            String device = String.format("0471%04X", d);
            running.add(callers.submit(() -> {
                for (int n = 0; n < EVENTS_PER_DEVICE; n++) {
                    // telemetry does not wait: order comes from the writer, not from the caller waiting
                    journal.accept(EventBatch.telemetry(List.of(event(device, n))));
                }
                return null;
            }));
        }
        for (Future<?> caller : running) {
            caller.get();
        }
        callers.shutdown();

        List<DeviceEvent> closing = new ArrayList<>();
        for (int d = 0; d < DEVICES; d++) {
            closing.add(event(String.format("0471%04X", d), EVENTS_PER_DEVICE));
        }
        assertThat(journal.accept(EventBatch.of(closing))).isTrue();

        // the awaited batch is written (all of its parts) when accept returns, and after each device's telemetry
        for (int d = 0; d < DEVICES; d++) {
            List<DeviceEvent> events = gateway.journal(String.format("0471%04X", d));
            assertThat(events).extracting(e -> ((Number) e.data().get("n")).intValue())
                    .as("device %d", d)
                    .containsExactlyElementsOf(IntStream.rangeClosed(0, EVENTS_PER_DEVICE)
                            .boxed().toList());
        }
    }

    private static DeviceEvent event(String device, int n) {
        return new DeviceEvent(UUID.randomUUID().toString(), "device_heartbeat", device, null,
                System.currentTimeMillis() / 1000, Map.of("n", n), System.nanoTime() / 1000, null, null, null,
                "test");
    }
}
