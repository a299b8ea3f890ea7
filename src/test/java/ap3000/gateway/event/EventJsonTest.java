package ap3000.gateway.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import org.junit.jupiter.api.Test;

import ap3000.gateway.protocol.OrderNumber;
import ap3000.gateway.protocol.Payload;

/** The one mapper: strict where a body is checked, lenient for events, plain decimals everywhere. */
class EventJsonTest {

    record Block(int minutes) {
    }

    @Test
    void should_read_events_with_fields_it_does_not_know_but_refuse_them_for_other_types() {
        DeviceEvent event = EventJson.read("""
                {"event_id": "e1", "event_type": "device_online", "device_id": "04A228CD", "timestamp": 1,
                 "data": {}, "occurred_at_us": 1, "added_by_a_newer_gateway": true}""");
        assertThat(event.eventId()).isEqualTo("e1");
        assertThatThrownBy(() -> EventJson.mapper().readValue("{\"minutes\": 3, \"hours\": 1}", Block.class))
                .isInstanceOf(UnrecognizedPropertyException.class);
    }

    @Test
    void should_write_decimals_plain_and_payload_fields_with_their_units_in_snake_case() throws Exception {
        assertThat(EventJson.mapper().writeValueAsString(Map.of("kwh", new BigDecimal("1E+3")))).isEqualTo("{\"kwh\":1000}");
        Map<String, Object> fields = EventJson.payloadFields(new Payload.ChargeControlAck(0, OrderNumber.ofText("O1"),
                2, null));
        assertThat(fields).containsEntry("order", "O1").containsEntry("waiting_ports_bitmap", null);
        Map<String, Object> heartbeat = EventJson.payloadFields(new Payload.Heartbeat(new BigDecimal("220.5"),
                List.of(), 20, 30));
        assertThat(heartbeat).containsEntry("voltage_volts", new BigDecimal("220.5"))
                .containsEntry("temperature_celsius", 30);
    }
}
