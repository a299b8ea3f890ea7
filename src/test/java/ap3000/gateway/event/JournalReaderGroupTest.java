package ap3000.gateway.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import ap3000.gateway.ExternalRedis;
import ap3000.gateway.RunningGateway;
import ap3000.gateway.redis.RedisConnection;
import redis.clients.jedis.StreamEntryID;
import redis.embedded.RedisServer;

/**
 * A Redis that no longer has the reader's consumer group (a replica promoted before the group reached it, a Redis
 * restarted empty): the read in flight fails, the next one creates the group again and reads on.
 */
class JournalReaderGroupTest {

    private static final String STREAM = "test:{events}";

    private RedisServer redis;
    private RedisConnection connection;

    @BeforeEach
    void start() throws Exception {
        int port = RunningGateway.freePort();
        redis = ExternalRedis.start(port, Files.createTempDirectory("group-redis"));
        connection = new RedisConnection("redis://127.0.0.1:" + port, null, 0, "always", Duration.ofSeconds(5), 2);
        connection.start();
    }

    @AfterEach
    void stop() throws Exception {
        connection.stop();
        redis.stop();
    }

    @Test
    void should_create_its_group_again_when_redis_lost_it() {
        JournalReader<Map<String, String>> reader = new JournalReader<>(connection, STREAM, "audit", "a", 10,
                Duration.ofMillis(100), Duration.ofHours(1), Function.identity());
        connection.client().xadd(STREAM, StreamEntryID.NEW_ENTRY, Map.of("type", "heartbeat"));
        reader.ack(reader.next());

        connection.client().del(STREAM);
        connection.client().xadd(STREAM, StreamEntryID.NEW_ENTRY, Map.of("type", "settlement"));
        assertThatThrownBy(reader::next).hasMessageStartingWith("NOGROUP");

        JournalBatch<Map<String, String>> batch = reader.next();
        assertThat(batch.entries()).extracting(entry -> entry.get("type")).containsExactly("settlement");
    }
}
