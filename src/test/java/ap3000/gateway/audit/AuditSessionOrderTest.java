package ap3000.gateway.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import ap3000.gateway.RedisUnderTest;
import ap3000.gateway.event.DeviceEvent;
import ap3000.gateway.event.EventJson;
import ap3000.gateway.redis.RedisConnection;

/**
 * Several audit readers apply one device's events in parallel, in no particular order: a session record against a
 * real Redis ends the same whatever order its events are applied in, one by one or in batches, and replays change
 * nothing.
 */
class AuditSessionOrderTest {

    private static final String DEVICE_ID = "04900007";
    private static final String ORDER = "ORDER_ORDER_0001";
    private static final String NEXT_ORDER = "ORDER_ORDER_0002";
    /** Microsecond of the session's first event. */
    private static final long T0 = 1_764_680_000_000_000L;

    private RedisUnderTest redis;
    private RedisConnection connection;
    private AuditStore store;

    @BeforeEach
    void start() throws Exception {
        redis = RedisUnderTest.start();
        connection = redis.connection();
        store = new AuditStore(connection, "audit:", Duration.ofDays(7), Duration.ofDays(30), Duration.ofDays(30),
                Clock.systemUTC(), new SimpleMeterRegistry());
    }

    @AfterEach
    void stop() throws Exception {
        redis.close();
    }

    /** charging_start, three samples, charging_end and settlement of one 0x03 frame. */
    private static List<AuditEntry> session() {
        long start = T0 / 1_000_000;
        return List.of(
                entry("charging_start", 0, Map.of("order_number", ORDER)),
                entry("power_heartbeat", 60_000_000, sample(ORDER, 60, 0.01, 150.0)),
                entry("power_heartbeat", 120_000_000, sample(ORDER, 120, 0.02, 180.0)),
                entry("power_heartbeat", 180_000_000, sample(ORDER, 180, 0.03, 210.0)),
                entry("charging_end", 186_000_000, Map.of("order_id", ORDER, "charge_duration", 185,
                        "total_energy", 0.04, "stop_reason", 7, "max_power", 210.0, "start_mode", 1)),
                entry("settlement", 186_000_001, Map.of("order_id", ORDER, "start_time", start + 1,
                        "end_time", start + 186, "charge_duration", 185, "total_energy", 0.04)));
    }

    @Test
    void should_end_with_the_same_settled_session_whatever_order_its_events_are_applied_in() {
        List<AuditEntry> events = session();
        Map<String, Object> expected = applied(List.of(events));
        assertThat(expected).containsEntry("state", "settled").containsEntry("last_event_type", "settlement")
                .containsEntry("duration_seconds", 185).containsEntry("stop_reason", 7)
                .containsEntry("start_time", T0 / 1_000_000 + 1).containsEntry("end_time", T0 / 1_000_000 + 186)
                .containsEntry("updated_at_ms", (T0 + 186_000_001) / 1000).containsEntry("power_samples", 3);
        assertThat(expected.get("energy_kwh")).hasToString("0.04");
        assertThat(expected.get("max_power_w")).hasToString("210.0");

        // the cluster test's case: the last sample applied after the settlement
        assertThat(applied(oneByOne(events, 0, 1, 2, 4, 5, 3))).isEqualTo(expected);
        // charging_end after the settlement
        assertThat(applied(oneByOne(events, 0, 1, 2, 3, 5, 4))).isEqualTo(expected);
        // backwards, then the whole batch replayed
        assertThat(applied(oneByOne(events, 5, 4, 3, 2, 1, 0))).isEqualTo(expected);
        assertThat(applied(List.of(events))).isEqualTo(expected);
        // two readers' batches, the later one first
        assertThat(applied(List.of(events.subList(3, 6), events.subList(0, 3)))).isEqualTo(expected);
        Random random = new Random(42);
        for (int i = 0; i < 20; i++) {
            List<AuditEntry> shuffled = new ArrayList<>(events);
            Collections.shuffle(shuffled, random);
            assertThat(applied(shuffled.stream().map(List::of).toList())).as("order %s", shuffled).isEqualTo(expected);
        }
        // the device's index keeps the order by its first event, whichever came first
        assertThat(connection.client().zscore("audit:device:" + DEVICE_ID + ":sessions", ORDER))
                .isEqualTo((double) (T0 / 1000));
    }

    @Test
    void should_not_take_a_failed_start_back_to_charging() {
        List<AuditEntry> events = List.of(entry("charging_start", 0, Map.of("order_number", ORDER)),
                entry("charging_failed", 1_000_000, Map.of("order_number", ORDER, "executed", false,
                        "failure_reason", "port fault")));
        store.write(List.of(events.get(1)));
        store.write(List.of(events.get(0)));

        assertThat(store.session(ORDER).orElseThrow()).containsEntry("state", "failed")
                .containsEntry("failure_reason", "port fault").containsEntry("last_event_type", "charging_failed");
    }

    @Test
    void should_keep_the_port_on_the_newer_order_when_an_older_sample_comes_late() {
        List<AuditEntry> events = session();
        AuditEntry nextSample = entry("power_heartbeat", 300_000_000, sample(NEXT_ORDER, 60, 0.01, 150.0));
        store.write(List.of(events.get(0), events.get(1), events.get(2), events.get(4), events.get(5)));
        store.write(List.of(nextSample));
        store.write(List.of(events.get(3)));

        assertThat(store.activeSession(DEVICE_ID, 1)).contains(NEXT_ORDER);
        assertThat(store.session(ORDER).orElseThrow()).containsEntry("state", "settled");
    }

    @Test
    void should_read_the_port_s_order_as_written_before_it_kept_the_sample_s_time() {
        connection.client().set("audit:device:" + DEVICE_ID + ":port:1:session", ORDER);
        store.write(List.of(session().get(1)));

        assertThat(store.activeSession(DEVICE_ID, 1)).contains(ORDER);
        connection.client().set("audit:device:" + DEVICE_ID + ":port:1:session", NEXT_ORDER);
        assertThat(store.activeSession(DEVICE_ID, 1)).contains(NEXT_ORDER);
    }

    @Test
    void should_load_its_scripts_again_when_redis_lost_them() {
        List<AuditEntry> events = session();
        store.write(events.subList(0, 3));
        connection.client().scriptFlush();
        store.write(events.subList(3, 6));

        assertThat(store.session(ORDER).orElseThrow()).containsEntry("state", "settled")
                .containsEntry("power_samples", 3);
        assertThat(store.activeSession(DEVICE_ID, 1)).isEmpty();
    }

    /** The session after applying the batches to an empty Redis, as the API reads it. */
    private Map<String, Object> applied(List<List<AuditEntry>> batches) {
        connection.client().flushAll();
        batches.forEach(store::write);
        return store.session(ORDER).orElseThrow();
    }

    private static List<List<AuditEntry>> oneByOne(List<AuditEntry> events, int... order) {
        List<List<AuditEntry>> batches = new ArrayList<>();
        for (int i : order) {
            batches.add(List.of(events.get(i)));
        }
        return batches;
    }

    private static Map<String, Object> sample(String order, int seconds, double kwh, double watts) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("order_id", order);
        data.put("charge_duration", seconds);
        data.put("cumulative_energy", kwh);
        data.put("current_power", watts);
        data.put("is_charging", true);
        return data;
    }

    /** An event {@code offset} microseconds after T0 on port 1, through JSON as the journal holds it. */
    private static AuditEntry entry(String type, long offset, Map<String, Object> data) {
        long micros = T0 + offset;
        DeviceEvent event = new DeviceEvent(type + "-" + offset, type, DEVICE_ID, 1, micros / 1_000_000, data, micros,
                null, "in", 1L, "node-a");
        return AuditEntry.of(EventJson.read(EventJson.write(event)));
    }
}
