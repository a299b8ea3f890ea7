package ap3000.gateway.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** A timeline record packs an event's JSON small, the same way every time, and reads back exactly. */
class TimelineRecordTest {

    private static final String POWER_HEARTBEAT = "{\"event_id\":\"6f1c0d3e-8a52-4c1b-9d3e-2b7f0e9a1c44\","
            + "\"event_type\":\"power_heartbeat\",\"device_id\":\"04A228CD\",\"port_number\":1,\"timestamp\":1764669600,"
            + "\"data\":{\"current_power\":100.0,\"cumulative_energy\":0.48,\"voltage\":220.0,\"current\":0.455,"
            + "\"charging_status\":1,\"charging_status_desc\":\"充电中\",\"is_charging\":true,\"charge_duration\":3600,"
            + "\"order_id\":\"ORDER_2025061900\",\"max_power\":120.0,\"min_power\":80.0,\"average_power\":100.0,"
            + "\"peak_power\":100.0,\"start_mode\":1,\"port_temperature\":null,\"ambient_temperature\":20},"
            + "\"occurred_at_us\":1764669600123456,\"frame_hex\":\"444E593200AB04000601011000E030000188E803B004"
            + "2003E8032019090118000013003038010203040501000E803980840C7015500DA08\",\"direction\":\"in\","
            + "\"node\":\"gw-1-4711\"}";

    @Test
    void should_read_back_exactly_what_it_packed_in_well_under_half_the_bytes() {
        byte[] packed = TimelineRecord.pack(POWER_HEARTBEAT);
        assertThat(TimelineRecord.unpack(packed)).isEqualTo(POWER_HEARTBEAT);
        int json = POWER_HEARTBEAT.getBytes(StandardCharsets.UTF_8).length;
        System.out.printf("timeline record: power_heartbeat JSON %d bytes, packed %d bytes%n", json, packed.length);
        assertThat(packed.length).isLessThan(json / 2);
    }

    @Test
    void should_pack_the_same_json_to_the_same_bytes_so_a_rewrite_adds_no_member() {
        assertThat(TimelineRecord.pack(POWER_HEARTBEAT)).isEqualTo(TimelineRecord.pack(POWER_HEARTBEAT));
    }

    @Test
    void should_read_plain_json_of_earlier_gateways_and_refuse_anything_else() {
        assertThat(TimelineRecord.unpack(POWER_HEARTBEAT.getBytes(StandardCharsets.UTF_8))).isEqualTo(POWER_HEARTBEAT);
        assertThatThrownBy(() -> TimelineRecord.unpack(new byte[]{7, 1, 2})).hasMessageContaining("format byte 7");
        byte[] packed = TimelineRecord.pack(POWER_HEARTBEAT);
        byte[] cut = java.util.Arrays.copyOf(packed, packed.length / 2);
        assertThatThrownBy(() -> TimelineRecord.unpack(cut)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TimelineRecord.unpack(new byte[0])).isInstanceOf(IllegalArgumentException.class);
    }
}
