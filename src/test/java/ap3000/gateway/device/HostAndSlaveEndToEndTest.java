package ap3000.gateway.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import ap3000.gateway.RunningGateway;
import ap3000.gateway.audit.HeartbeatSummaries;
import ap3000.gateway.event.DeviceEvent;
import ap3000.gateway.protocol.DnyFrame;
import ap3000.gateway.protocol.ServerCommands;

/**
 * A host and a slave share one TCP connection (reference 1.11): they register, heartbeat, charge and settle;
 * every reply is checked byte for byte and every event in the journal (a real Redis) is checked.
 */
class HostAndSlaveEndToEndTest {

    private static final int HOST = 0x04A26CF3;
    private static final int SLAVE = 0x04A228CD;
    private static final String ORDER = "ORDER_2025061900";

    private static RunningGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = RunningGateway.start();
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    @Test
    void should_serve_a_host_and_a_slave_on_one_connection_through_a_whole_charge() throws Exception {
        try (DeviceSocket socket = new DeviceSocket(gateway.tcpPort())) {
            socket.send(TestFrames.iccid());

            DnyFrame hostRegister = TestFrames.register(HOST, 0x0044);
            socket.send(hostRegister);
            assertThat(socket.readFrameHex()).isEqualTo(ServerCommands.ok(hostRegister).toHex());

            DnyFrame slaveRegister = TestFrames.register(SLAVE, 0x003A);
            socket.send(slaveRegister);
            assertThat(socket.readFrameHex()).isEqualTo("444E590A00CD28A2043A002000EA02");

            // the host's time request, as captured (V-3): the reply carries the gateway's clock
            long before = System.currentTimeMillis() / 1000;
            socket.send("444e590900f36ca2040200120d03");
            DnyFrame time = socket.readFrame();
            long after = System.currentTimeMillis() / 1000;
            assertThat(time.physicalId()).isEqualTo(HOST);
            assertThat(time.messageId()).isEqualTo(2);
            assertThat(time.command()).isEqualTo(0x12);
            assertThat(time.data()).hasSize(4);
            long seconds = (time.data()[0] & 0xFFL) | (time.data()[1] & 0xFFL) << 8 | (time.data()[2] & 0xFFL) << 16
                    | (time.data()[3] & 0xFFL) << 24;
            assertThat(seconds).isBetween(before, after);

            DnyFrame idle = TestFrames.heartbeat(SLAVE, 0x0100, 0, 0);
            socket.send(idle);
            assertThat(socket.readFrameHex()).isEqualTo(ServerCommands.ok(idle).toHex());

            // the host's status heartbeat gets no reply: the next frame back answers the time request after it
            socket.send(hostHeartbeat());
            DnyFrame charging = TestFrames.heartbeat(SLAVE, 0x0101, 1, 0);
            socket.send(charging);
            assertThat(socket.readFrameHex()).isEqualTo(ServerCommands.ok(charging).toHex());

            // the device's ack of a start and its power heartbeat get no reply either
            socket.send(TestFrames.chargeAck(SLAVE, 0x0005, 0, ORDER, 1));
            socket.send(TestFrames.powerHeartbeat(SLAVE, 0x0102, 1, ORDER, 600, 12, 1000));
            DnyFrame settlement = TestFrames.settlement(SLAVE, 0x0103, 1, ORDER, 3600, 48, 1000, 1);
            socket.send(settlement);
            assertThat(socket.readFrameHex()).isEqualTo(ServerCommands.ok(settlement).toHex());

            // the device retransmits the settlement (same message ID): acked again, reported once
            socket.send(settlement);
            assertThat(socket.readFrameHex()).isEqualTo(ServerCommands.ok(settlement).toHex());
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> gateway.journal(SLAVE_ID).stream()
                .anyMatch(e -> e.eventType().equals("device_offline")));

        // the host heartbeat changed nothing: no event (no endpoint wants it), but it is in the host's summary
        List<DeviceEvent> host = gateway.journal(HOST_ID);
        assertThat(host).extracting(DeviceEvent::eventType).containsExactly(
                "device_online", "device_register", "device_offline");
        HeartbeatSummaries summaries = gateway.bean("heartbeatSummaries", HeartbeatSummaries.class);
        long now = System.currentTimeMillis();
        await().atMost(Duration.ofSeconds(15)).until(() -> summaries.hours(HOST_ID, now - 3_600_000, now).stream()
                .mapToLong(h -> (Long) h.get("count")).sum() == 1);
        assertThat(summaries.hours(HOST_ID, now - 3_600_000, now)).anySatisfy(h -> assertThat(h.get("signal"))
                .isEqualTo(java.util.Map.of("min", java.math.BigDecimal.valueOf(31), "max",
                        java.math.BigDecimal.valueOf(31))));

        List<DeviceEvent> slave = gateway.journal(SLAVE_ID);
        assertThat(slave).extracting(DeviceEvent::eventType).containsExactly(
                "device_online", "device_register", "device_heartbeat", "port_heartbeat", "port_heartbeat",
                "device_heartbeat", "port_heartbeat", "command_ack", "power_heartbeat", "charging_power",
                "charging_end", "settlement", "device_offline");

        assertThat(slave.get(0).data()).containsEntry("iccid", TestFrames.ICCID)
                .containsEntry("remote_addr", slave.get(0).data().get("remote_addr"));
        assertThat(slave.get(1).data()).containsEntry("physical_id", "0x04A228CD")
                .containsEntry("physical_id_decimal", 10627277).containsEntry("device_version", "V6.40")
                .containsEntry("port_count", 2);

        DeviceEvent toCharging = slave.get(6);
        assertThat(toCharging.portNumber()).isEqualTo(1);
        assertThat(toCharging.data()).containsEntry("previous_status", 0).containsEntry("port_status", 1)
                .containsEntry("port_status_desc", "充电中").containsEntry("is_charging", true);

        DeviceEvent power = slave.get(8);
        assertThat(power.portNumber()).isEqualTo(1);
        assertThat(power.data()).containsEntry("current_power", 100.0).containsEntry("cumulative_energy", 0.12)
                .containsEntry("voltage", 220.0).containsEntry("current", 0.455).containsEntry("order_id", ORDER);

        DeviceEvent end = slave.get(10);
        assertThat(end.portNumber()).isEqualTo(1);
        assertThat(end.data()).containsEntry("order_id", ORDER).containsEntry("total_energy", 0.48)
                .containsEntry("charge_duration", 3600).containsEntry("stop_reason", 1)
                .containsEntry("stop_reason_desc", "充满自停");

        DeviceEvent settled = slave.get(11);
        assertThat(settled.data()).containsEntry("order_id", ORDER).containsEntry("total_energy", 0.48)
                .containsEntry("settlement_type", "normal").containsEntry("total_fee", 0)
                .containsEntry("tariff_applied", false); // no tariff configured: fees 0, never null
        assertThat((Integer) settled.data().get("end_time") - (Integer) settled.data().get("start_time"))
                .isEqualTo(3600);

        assertThat(slave.get(12).data()).containsEntry("offline_reason", "connection_lost");
        assertThat(host.get(2).data()).containsEntry("offline_reason", "connection_lost");
        for (DeviceEvent e : slave) {
            assertThat(e.eventId()).isNotBlank();
            assertThat(e.deviceId()).isEqualTo(SLAVE_ID);
        }
        assertThat(slave).extracting(DeviceEvent::eventId).doesNotHaveDuplicates();
    }

    private static final String HOST_ID = "04A26CF3";
    private static final String SLAVE_ID = "04A228CD";

    /** 0x11 host heartbeat in the 32-byte form, carrying the connection's ICCID. */
    private static DnyFrame hostHeartbeat() {
        byte[] data = new byte[32];
        data[0] = 0x65;
        data[2] = 1;
        data[7] = 31;
        data[8] = 7;
        System.arraycopy(TestFrames.iccid(), 0, data, 9, 20);
        data[29] = 0x55;
        return new DnyFrame(HOST, 0x0003, 0x11, data);
    }
}
