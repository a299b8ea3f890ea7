package ap3000.gateway.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.function.Function;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import ap3000.gateway.RedisUnderTest;
import ap3000.gateway.redis.RedisConnection;
import redis.clients.jedis.StreamEntryID;

/**
 * The journal reader against a real Redis. Counting on acknowledgement: every entry counts once, whether its batch is
 * acknowledged twice (a retry after a lost reply) or part of it was claimed and finished by another consumer first.
 * A Redis that no longer has the reader's consumer group (a replica promoted before the group reached it, a Redis
 * restarted empty): the read in flight fails, the next one creates the group again and reads on.
 */
class JournalReaderTest {

    private static final String STREAM = "test:{events}";
    private static final String COUNTS = "test:counts";

    private RedisUnderTest redis;
    private RedisConnection connection;

    @BeforeEach
    void start() throws Exception {
        redis = RedisUnderTest.start();
        connection = redis.connection();
    }

    @AfterEach
    void stop() throws Exception {
        redis.close();
    }

    @Test
    void should_count_each_entry_once_however_its_batch_is_finished() {
        for (int i = 0; i < 6; i++) {
            connection.client().xadd(STREAM, StreamEntryID.NEW_ENTRY, Map.of("type", i < 4 ? "heartbeat" : "settlement"));
        }
        JournalReader<Map<String, String>> a = reader("a", 6, Duration.ofHours(1));
        JournalBatch<Map<String, String>> batchOfA = a.next();
        assertThat(batchOfA.size()).isEqualTo(6);

        // b finds a's entries idle and finishes the first two of them while a is still writing
        JournalReader<Map<String, String>> b = reader("b", 2, Duration.ZERO);
        JournalBatch<Map<String, String>> batchOfB = b.next();
        assertThat(batchOfB.ids()).containsExactlyElementsOf(batchOfA.ids().subList(0, 2));
        b.ack(batchOfB);
        assertThat(connection.client().hgetAll(COUNTS)).containsEntry("heartbeat", "2").hasSize(1);

        a.ack(batchOfA);
        a.ack(batchOfA); // again, as after a reply lost on the way back
        assertThat(connection.client().hgetAll(COUNTS)).containsEntry("heartbeat", "4").containsEntry("settlement", "2");
        assertThat(connection.client().xpending(STREAM, "audit").getTotal()).isZero();
        assertThat(connection.client().ttl(COUNTS)).isBetween(1L, 3600L);
    }

    private JournalReader<Map<String, String>> reader(String consumer, int batchSize, Duration claimIdle) {
        return new JournalReader<>(connection, STREAM, "audit", consumer, batchSize, Duration.ofMillis(100), claimIdle,
                Function.identity())
                .countOnAck(new JournalReader.AckCounts<>(entry -> COUNTS, entry -> entry.get("type"), 3600));
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
