package ap3000.gateway.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import ap3000.gateway.protocol.DeviceIds;

/** Shard names and the device hash: one shard keeps every name as before; the hash is CRC-32 and stable. */
class JournalShardsTest {

    @Test
    void should_keep_the_configured_stream_and_every_device_in_it_with_one_shard() {
        JournalShards shards = new JournalShards("gateway:{events}", 1);
        assertThat(shards.streams()).containsExactly("gateway:{events}");
        assertThat(shards.streamOf("04A228CD")).isEqualTo("gateway:{events}");
        assertThat(shards.tagSuffix(0)).isEmpty();
    }

    @Test
    void should_put_the_shard_number_into_the_hash_tag() {
        JournalShards shards = new JournalShards("gateway:{events}:v2", 3);
        assertThat(shards.streams()).containsExactly("gateway:{events-0}:v2", "gateway:{events-1}:v2",
                "gateway:{events-2}:v2");
        assertThat(shards.tagSuffix(2)).isEqualTo("-2");
    }

    @Test
    void should_hash_a_device_by_crc32_of_its_id_the_same_way_every_time() {
        JournalShards shards = new JournalShards("gateway:{events}", 3);
        // CRC-32 of "04A228CD" is 0x79992237 = 2040078903 (Python's zlib.crc32 agrees); 2040078903 mod 3 = 0,
        // and of "04A70001" 0x311E9BF2 = 824089586, mod 3 = 2
        assertThat(shards.shardOf("04A228CD")).isZero();
        assertThat(shards.shardOf("04A70001")).isEqualTo(2);
        assertThat(new JournalShards("gateway:{events}", 3).shardOf("04A228CD")).isEqualTo(shards.shardOf("04A228CD"));
        assertThat(shards.shardOf(null)).isZero();
        assertThat(shards.shardOf("")).isZero();
    }

    @Test
    void should_spread_a_fleet_evenly_over_the_shards() {
        JournalShards shards = new JournalShards("gateway:{events}", 6);
        Map<Integer, Integer> devices = new HashMap<>();
        for (int id = 0x04A00000; id < 0x04A00000 + 60_000; id++) {
            devices.merge(shards.shardOf(DeviceIds.format(id)), 1, Integer::sum);
        }
        assertThat(devices).hasSize(6);
        assertThat(devices.values()).allSatisfy(count -> assertThat(count).isBetween(9_000, 11_000));
    }

    @Test
    void should_name_the_streams_another_shard_count_would_have_left() {
        assertThat(new JournalShards("gateway:{events}", 1).strayStreams()).containsExactly("gateway:{events-0}");
        assertThat(new JournalShards("gateway:{events}", 3).strayStreams())
                .containsExactly("gateway:{events}", "gateway:{events-3}");
    }

    @Test
    void should_refuse_a_count_below_one_and_a_sharded_stream_without_a_hash_tag() {
        assertThatThrownBy(() -> new JournalShards("gateway:{events}", 0))
                .hasMessageContaining("gateway.events.shards must be at least 1");
        assertThatThrownBy(() -> new JournalShards("gateway:events", 3))
                .hasMessageContaining("gateway.events.stream needs a {hash tag}");
        assertThatThrownBy(() -> new JournalShards("gateway:{}events", 3))
                .hasMessageContaining("gateway.events.stream needs a {hash tag}");
        assertThat(new JournalShards("gateway:events", 1).streams()).containsExactly("gateway:events");
    }
}
