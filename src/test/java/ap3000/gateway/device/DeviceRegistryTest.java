package ap3000.gateway.device;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import ap3000.gateway.protocol.Payload;

/** The heartbeat period the registry observes for device_register's heartbeat_period. */
class DeviceRegistryTest {

    private static final int DEVICE = 0x04A228CD;
    private static final List<Payload.PortReading> IDLE = List.of(new Payload.PortReading(1, 0, null, null));

    @Test
    void should_observe_the_period_between_two_heartbeats_on_one_connection_and_forget_it_across_a_reconnect() {
        DeviceRegistry registry = new DeviceRegistry();
        DeviceRegistry.Connection first = registry.open(new EmbeddedChannel(), 0);
        DeviceRegistry.Device device = registry.arrive(first, DEVICE, 1_000).device();
        registry.updatePorts(device, IDLE, true, 1_000);
        assertThat(device.heartbeatPeriodSeconds()).isNull();
        registry.updatePorts(device, IDLE, true, 31_400);
        assertThat(device.heartbeatPeriodSeconds()).isEqualTo(30);

        // the gap between the last heartbeat on the old connection and the first on the new one is no period
        DeviceRegistry.Connection second = registry.open(new EmbeddedChannel(), 500_000);
        registry.arrive(second, DEVICE, 500_000);
        registry.updatePorts(device, IDLE, true, 500_000);
        assertThat(device.heartbeatPeriodSeconds()).isEqualTo(30);
        registry.updatePorts(device, IDLE, true, 680_000);
        assertThat(device.heartbeatPeriodSeconds()).isEqualTo(180);
    }
}
