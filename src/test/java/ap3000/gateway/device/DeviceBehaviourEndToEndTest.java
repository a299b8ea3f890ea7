package ap3000.gateway.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import ap3000.gateway.RunningGateway;
import ap3000.gateway.event.DeviceEvent;
import ap3000.gateway.protocol.DeviceIds;
import ap3000.gateway.protocol.DnyFrame;
import ap3000.gateway.protocol.ServerCommands;

/**
 * Device-facing rules over real sockets. A message that must get no reply is followed by a time request:
 * replies go out in order, so the next frame read must be the time reply.
 */
class DeviceBehaviourEndToEndTest {

    private static RunningGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = RunningGateway.start(Map.of(
                "gateway.device.offline-after", "1s",
                "gateway.device.sweep-interval", "200ms"));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    @Test
    void should_answer_the_old_heartbeat_only_until_the_device_speaks_the_new_one() throws Exception {
        int device = 0x04100001;
        try (DeviceSocket socket = new DeviceSocket(gateway.tcpPort())) {
            DnyFrame old = TestFrames.oldHeartbeat(device, 1);
            socket.send(old);
            assertThat(socket.readFrameHex()).isEqualTo(ServerCommands.ok(old).toHex());
            DnyFrame fresh = TestFrames.heartbeat(device, 2, 0, 0);
            socket.send(fresh);
            assertThat(socket.readFrameHex()).isEqualTo(ServerCommands.ok(fresh).toHex());
            socket.send(TestFrames.oldHeartbeat(device, 3));
            assertNextReplyIsTimeFor(socket, device);
        }
    }

    @Test
    void should_report_a_repeated_registration_once_and_answer_each() throws Exception {
        int device = 0x04100002;
        try (DeviceSocket socket = new DeviceSocket(gateway.tcpPort())) {
            DnyFrame register = TestFrames.register(device, 7);
            socket.send(register);
            assertThat(socket.readFrameHex()).isEqualTo(ServerCommands.ok(register).toHex());
            socket.send(register);
            assertThat(socket.readFrameHex()).isEqualTo(ServerCommands.ok(register).toHex());
            socket.send(TestFrames.register(device, 8));
            assertThat(socket.readFrame().messageId()).isEqualTo(8);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> types(device).contains("device_offline"));
        assertThat(types(device)).containsExactly("device_online", "device_register", "device_offline");
    }

    @Test
    void should_take_a_silent_device_offline_while_its_connection_stays_open() throws Exception {
        int device = 0x04100003;
        try (DeviceSocket socket = new DeviceSocket(gateway.tcpPort())) {
            socket.send(TestFrames.heartbeat(device, 1, 0));
            socket.readFrame();
            await().atMost(Duration.ofSeconds(10)).until(() -> types(device).contains("device_offline"));
            DeviceEvent offline = events(device).get(events(device).size() - 1);
            assertThat(offline.data()).containsEntry("offline_reason", "heartbeat_timeout");

            socket.send(TestFrames.heartbeat(device, 2, 0));
            socket.readFrame();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> types(device).size() == 7);
        assertThat(types(device)).containsExactly("device_online", "device_heartbeat", "port_heartbeat",
                "device_offline", "device_online", "device_heartbeat", "device_offline");
    }

    @Test
    void should_move_a_reconnected_device_and_leave_the_old_connections_other_devices_alone() throws Exception {
        int moving = 0x04100004;
        int staying = 0x04100005;
        try (DeviceSocket first = new DeviceSocket(gateway.tcpPort());
             DeviceSocket second = new DeviceSocket(gateway.tcpPort())) {
            first.send(TestFrames.register(moving, 1));
            first.readFrame();
            first.send(TestFrames.register(staying, 1));
            first.readFrame();

            second.send(TestFrames.register(moving, 2));
            second.readFrame();
            first.close();
            await().atMost(Duration.ofSeconds(10)).until(() -> types(staying).contains("device_offline"));

            DeviceRegistry registry = gateway.bean("deviceRegistry", DeviceRegistry.class);
            assertThat(registry.device(moving).isOnline()).isTrue();
            assertThat(registry.device(staying).isOnline()).isFalse();
            assertThat(types(moving)).containsExactly("device_online", "device_register", "device_online",
                    "device_register");
        }
    }

    @Test
    void should_answer_a_card_swipe_with_the_configured_account_status_and_report_it() throws Exception {
        try (DeviceSocket socket = new DeviceSocket(gateway.tcpPort())) {
            // vendor example: card 7A8D05DD, wire port 1
            socket.send("44 4E 59 11 00 3B 37 AB 04 01 00 02 7A 8D 05 DD 00 01 00 00 0A 04");
            DnyFrame reply = socket.readFrame();
            assertThat(reply.command()).isEqualTo(0x02);
            assertThat(reply.messageId()).isEqualTo(1);
            assertThat(reply.data()).containsExactly(0x7A, 0x8D, 0x05, 0xDD, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01);
        }
        DeviceEvent swipe = events(0x04AB373B).stream().filter(e -> e.eventType().equals("card_swipe")).findFirst()
                .orElseThrow();
        assertThat(swipe.portNumber()).isEqualTo(2);
        assertThat(swipe.data()).containsEntry("card_id", "7A8D05DD").containsEntry("card_type", 0);
    }

    @Test
    void should_keep_an_unknown_command_as_an_event_and_not_answer_it() throws Exception {
        int device = 0x04100006;
        try (DeviceSocket socket = new DeviceSocket(gateway.tcpPort())) {
            socket.send(new DnyFrame(device, 9, 0x23, new byte[]{1, 2, 3}));
            assertNextReplyIsTimeFor(socket, device);
        }
        DeviceEvent unknown = events(device).stream().filter(e -> e.eventType().equals("unknown_frame")).findFirst()
                .orElseThrow();
        assertThat(unknown.data()).containsEntry("command", "0x23").containsEntry("data_hex", "010203");
        assertThat(unknown.frameHex()).isEqualTo(new DnyFrame(device, 9, 0x23, new byte[]{1, 2, 3}).toHex());
    }

    private static void assertNextReplyIsTimeFor(DeviceSocket socket, int device) throws Exception {
        socket.send(TestFrames.timeRequest(device, 0x7777));
        DnyFrame next = socket.readFrame();
        assertThat(next.command()).isEqualTo(0x22);
        assertThat(next.messageId()).isEqualTo(0x7777);
    }

    private static List<DeviceEvent> events(int device) {
        return gateway.journal(DeviceIds.format(device));
    }

    private static List<String> types(int device) {
        return events(device).stream().map(DeviceEvent::eventType).toList();
    }
}
