package ap3000.gateway.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import ap3000.gateway.RedisUnderTest;
import ap3000.gateway.redis.RedisConnection;
import redis.clients.jedis.StreamEntryID;

/**
 * One consumer group over three journal shards against a real Redis: every shard is read and acknowledged where it
 * came from, a busy shard does not starve the others, backlog is the sum and lag the worst shard, and a shard the
 * reader may not read (another node's fan-out lease) is left alone.
 */
class ShardedJournalReaderTest {

    private final JournalShards shards = new JournalShards("test:{events}", 3);
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
    void should_read_every_shard_in_turn_and_ack_each_batch_in_its_own_shard() {
        for (int shard = 0; shard < 3; shard++) {
            for (int i = 0; i < 4; i++) {
                append(shard, "s" + shard + "-" + i);
            }
        }
        ShardedJournalReader<Map<String, String>> reader = reader(2);
        assertThat(reader.backlog()).isZero();

        List<String> read = new ArrayList<>();
        List<Integer> shardsRead = new ArrayList<>();
        for (int batches = 0; batches < 6; batches++) {
            JournalBatch<Map<String, String>> batch = reader.next();
            assertThat(batch.size()).isEqualTo(2);
            shardsRead.add(batch.shard());
            batch.entries().forEach(entry -> read.add(entry.get("id")));
            reader.ack(batch);
        }
        // round robin: a full shard does not hold the others back
        assertThat(shardsRead).containsExactly(0, 1, 2, 0, 1, 2);
        assertThat(read).containsExactlyInAnyOrder("s0-0", "s0-1", "s0-2", "s0-3", "s1-0", "s1-1", "s1-2", "s1-3",
                "s2-0", "s2-1", "s2-2", "s2-3");
        // and within a shard, in its order
        assertThat(read.stream().filter(id -> id.startsWith("s1"))).containsExactly("s1-0", "s1-1", "s1-2", "s1-3");
        for (String stream : shards.streams()) {
            assertThat(connection.client().xpending(stream, "audit").getTotal()).isZero();
        }
        assertThat(reader.next().isEmpty()).isTrue();
        assertThat(reader.lagMillis(System.currentTimeMillis())).isZero();
    }

    @Test
    void should_sum_the_backlog_and_report_the_worst_lag_of_the_shards() {
        ShardedJournalReader<Map<String, String>> reader = reader(10);
        assertThat(reader.next().isEmpty()).isTrue();
        StreamEntryID old = connection.client().xadd(shards.stream(2),
                new StreamEntryID(System.currentTimeMillis() - 60_000, 0), Map.of("id", "old"));
        append(0, "new");
        // shard 2's entry is a minute old and not read yet: the group is a minute behind, whatever shard 0 says
        assertThat(reader.lagMillis(System.currentTimeMillis())).isBetween(60_000L, 70_000L);

        JournalBatch<Map<String, String>> first = reader.next();
        JournalBatch<Map<String, String>> second = reader.next();
        assertThat(List.of(first.shard(), second.shard())).containsExactlyInAnyOrder(0, 2);
        assertThat(reader.backlog()).isEqualTo(2);
        JournalBatch<Map<String, String>> ofShard2 = first.shard() == 2 ? first : second;
        assertThat(ofShard2.ids()).containsExactly(old);
        reader.ack(first.shard() == 0 ? first : second);
        assertThat(reader.backlog()).isEqualTo(1);
        assertThat(reader.lagMillis(System.currentTimeMillis())).isGreaterThanOrEqualTo(60_000L);
        reader.ack(ofShard2);
        assertThat(reader.backlog()).isZero();
        assertThat(reader.lagMillis(System.currentTimeMillis())).isZero();
    }

    @Test
    void should_leave_alone_the_shards_it_may_not_read() {
        for (int shard = 0; shard < 3; shard++) {
            append(shard, "s" + shard);
        }
        ShardedJournalReader<Map<String, String>> reader = reader(10);
        List<Integer> shardsRead = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            JournalBatch<Map<String, String>> batch = reader.nextFrom(shard -> shard != 1);
            if (!batch.isEmpty()) {
                shardsRead.add(batch.shard());
                reader.ack(batch);
            }
        }
        assertThat(shardsRead).containsExactly(0, 2);
        assertThat(reader.nextFrom(shard -> shard == 1).entries()).extracting(entry -> entry.get("id"))
                .containsExactly("s1");
    }

    private void append(int shard, String id) {
        connection.client().xadd(shards.stream(shard), StreamEntryID.NEW_ENTRY, Map.of("id", id));
    }

    private ShardedJournalReader<Map<String, String>> reader(int batchSize) {
        return new ShardedJournalReader<>(connection, shards, "audit", "a", batchSize, Duration.ofMillis(90),
                Duration.ofHours(1), Function.identity());
    }
}
