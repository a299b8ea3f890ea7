package ap3000.gateway.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import ap3000.gateway.ExternalRedis;
import ap3000.gateway.RunningGateway;
import ap3000.gateway.device.DeviceSocket;
import ap3000.gateway.device.TestFrames;
import ap3000.gateway.event.DeviceEvent;
import ap3000.gateway.event.EventJournal;
import ap3000.gateway.protocol.DnyFrame;
import ap3000.gateway.protocol.ServerCommands;
import redis.clients.jedis.Jedis;
import redis.embedded.RedisServer;

/**
 * gateway.redis.min-replicas-acked with a plain URL: a settlement Redis took but no replica confirmed is not acked;
 * once a replica is there, the device's retransmission is acked and the journal still holds it once.
 */
class ReplicaAcksEndToEndTest {

    private RedisServer master;
    private RedisServer replica;
    private RunningGateway gateway;

    @AfterEach
    void stop() throws Exception {
        try {
            if (gateway != null) {
                gateway.close();
            }
        } finally {
            for (RedisServer server : new RedisServer[] {replica, master}) {
                if (server != null && server.isActive()) {
                    server.stop();
                }
            }
        }
    }

    @Test
    void should_ack_a_settlement_only_once_a_replica_has_it() throws Exception {
        int[] ports = RunningGateway.freePorts(2);
        master = ExternalRedis.start(ports[0], Files.createTempDirectory("replica-acks-master"));
        gateway = RunningGateway.start(Map.of(
                "gateway.redis.url", "redis://127.0.0.1:" + ports[0],
                "gateway.redis.min-replicas-acked", "1",
                "gateway.redis.replica-ack-timeout", "300ms"));
        int device = 0x04600001;
        DnyFrame settlement = TestFrames.settlement(device, 0x0050, 1, "REPLICA_ACK_0001", 600, 20, 900, 1);

        try (DeviceSocket socket = DeviceSocket.online(gateway.tcpPort(), device)) {
            // written, but no replica confirms it: no ack, the next frame back answers the time request
            socket.send(settlement);
            socket.send(TestFrames.timeRequest(device, 2));
            assertThat(socket.readFrame().command()).isEqualTo(0x22);
            assertThat(settlements(device)).hasSize(1);
            assertThat(gateway.bean("eventJournal", EventJournal.class).unreplicatedCount()).isEqualTo(1);

            replica = RedisServer.newRedisServer().port(ports[1]).bind("127.0.0.1")
                    .setting("dir " + Files.createTempDirectory("replica-acks-replica"))
                    .setting("replicaof 127.0.0.1 " + ports[0]).build();
            replica.start();
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                try (Jedis jedis = new Jedis("127.0.0.1", ports[0])) {
                    return jedis.info("replication").contains("state=online");
                }
            });

            socket.send(settlement);
            assertThat(socket.readFrameHex()).isEqualTo(ServerCommands.ok(settlement).toHex());
        }
        assertThat(settlements(device)).hasSize(1);
        try (Jedis onReplica = new Jedis("127.0.0.1", ports[1])) {
            assertThat(onReplica.xlen(gateway.bean("eventJournal", EventJournal.class).streamKey())).isPositive();
        }
    }

    private List<DeviceEvent> settlements(int device) {
        return gateway.journal(String.format("%08X", device)).stream()
                .filter(event -> event.eventType().equals("settlement")).toList();
    }
}
