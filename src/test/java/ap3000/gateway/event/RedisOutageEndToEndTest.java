package ap3000.gateway.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import ap3000.gateway.ExternalRedis;
import ap3000.gateway.RunningGateway;
import ap3000.gateway.device.DeviceSocket;
import ap3000.gateway.device.TestFrames;
import ap3000.gateway.protocol.DnyFrame;
import ap3000.gateway.protocol.ServerCommands;
import redis.embedded.RedisServer;

/**
 * A dead Redis: devices are still answered, heartbeat events wait in memory, a settlement is not acked (the
 * device keeps it and retransmits), and once Redis is back everything is written exactly once.
 */
class RedisOutageEndToEndTest {

    private RedisServer redis;
    private RunningGateway gateway;

    @AfterEach
    void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        if (redis != null && redis.isActive()) {
            redis.stop();
        }
    }

    @Test
    void should_not_ack_a_settlement_while_redis_is_down_and_lose_nothing_when_it_returns() throws Exception {
        int port = RunningGateway.freePort();
        Path dir = Files.createTempDirectory("external-redis");
        redis = ExternalRedis.start(port, dir);
        gateway = RunningGateway.start(Map.of(
                "gateway.redis.url", "redis://127.0.0.1:" + port,
                "gateway.redis.timeout", "300ms"));
        int device = 0x04300001;
        DnyFrame settlement = TestFrames.settlement(device, 0x0050, 2, "OUTAGE_ORDER_001", 1200, 30, 800, 5);

        try (DeviceSocket socket = new DeviceSocket(gateway.tcpPort())) {
            socket.send(TestFrames.iccid());
            DnyFrame register = TestFrames.register(device, 1);
            socket.send(register);
            assertThat(socket.readFrameHex()).isEqualTo(ServerCommands.ok(register).toHex());

            redis.stop();

            DnyFrame heartbeat = TestFrames.heartbeat(device, 2, 1, 0);
            socket.send(heartbeat);
            assertThat(socket.readFrameHex()).isEqualTo(ServerCommands.ok(heartbeat).toHex());

            // not accepted, so not acked: the next frame back answers the time request sent after it
            socket.send(settlement);
            socket.send(TestFrames.timeRequest(device, 3));
            assertThat(socket.readFrame().command()).isEqualTo(0x22);

            EventJournal journal = gateway.bean("eventJournal", EventJournal.class);
            assertThat(journal.backlogSize()).isEqualTo(3); // heartbeat and two port changes

            redis = ExternalRedis.start(port, dir);
            await().atMost(Duration.ofSeconds(15)).until(() -> journal.backlogSize() == 0);

            // the device retransmits its settlement, now accepted and acked; a second copy is acked, not stored
            socket.send(settlement);
            assertThat(socket.readFrameHex()).isEqualTo(ServerCommands.ok(settlement).toHex());
            socket.send(settlement);
            assertThat(socket.readFrameHex()).isEqualTo(ServerCommands.ok(settlement).toHex());
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> types(device).contains("device_offline"));
        assertThat(types(device)).containsExactly("device_online", "device_register", "device_heartbeat",
                "port_heartbeat", "port_heartbeat", "charging_end", "settlement", "device_offline");
    }

    private List<String> types(int device) {
        return gateway.journal(String.format("%08X", device)).stream().map(DeviceEvent::eventType).toList();
    }
}
