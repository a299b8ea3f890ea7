package ap3000.gateway.event;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * How the journal (and the webhook outbox after it) is split into {@code gateway.events.shards} parts, so that on a
 * Redis Cluster several masters share the load instead of one slot taking all of it (docs/journal-shards.md).
 * Shard i's stream puts i into the stream's hash tag ({@code gateway:{events}} becomes {@code gateway:{events-0}}
 * ... {@code gateway:{events-N-1}}), so shards land in different slots; with one shard every name stays as it was.
 * A device always maps to the same shard ({@link #shardOf}), which is what keeps its events in order.
 */
public final class JournalShards {

    private final String stream;
    private final int count;

    /**
     * @param stream the configured stream name; needs a {hash tag} when there is more than one shard
     * @param count  gateway.events.shards, at least 1
     */
    public JournalShards(String stream, int count) {
        if (count < 1) {
            throw new IllegalArgumentException("gateway.events.shards must be at least 1, not " + count);
        }
        int open = stream.indexOf('{');
        if (count > 1 && (open < 0 || stream.indexOf('}', open) <= open + 1)) {
            throw new IllegalArgumentException("gateway.events.stream needs a {hash tag} when gateway.events.shards"
                    + " is more than 1 (the shard's number goes into the tag), not " + stream);
        }
        this.stream = stream;
        this.count = count;
    }

    /** The configured stream name (shard 0's stream with one shard). */
    public String name() {
        return stream;
    }

    public int count() {
        return count;
    }

    /**
     * The shard of a device: CRC-32 (IEEE, as {@code java.util.zip.CRC32}) of the device ID's UTF-8 bytes, modulo
     * the shard count. Stable across nodes, restarts and languages. Events with no device go to shard 0.
     */
    public int shardOf(String deviceId) {
        if (count == 1 || deviceId == null || deviceId.isEmpty()) {
            return 0;
        }
        CRC32 crc = new CRC32();
        crc.update(deviceId.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % count);
    }

    /** What goes at the end of a hash tag for this shard: nothing with one shard, else "-i". */
    public String tagSuffix(int shard) {
        return count == 1 ? "" : "-" + shard;
    }

    /** Shard i's stream: the shard's number at the end of the stream's hash tag. */
    public String stream(int shard) {
        if (count == 1) {
            return stream;
        }
        int close = stream.indexOf('}', stream.indexOf('{'));
        return stream.substring(0, close) + tagSuffix(shard) + stream.substring(close);
    }

    /** The stream a device's events go to. */
    public String streamOf(String deviceId) {
        return stream(shardOf(deviceId));
    }

    /**
     * Streams another shard count would have written and this one never reads: the unsharded name (or shard 0's
     * with one shard) and the first shard beyond the count. Entries left there after the count was changed are
     * read by no one (docs/journal-shards.md, "What not to do").
     */
    public List<String> strayStreams() {
        if (count == 1) {
            return List.of(new JournalShards(stream, 2).stream(0));
        }
        return List.of(stream, new JournalShards(stream, count + 1).stream(count));
    }

    /** Every shard's stream, in shard order. */
    public List<String> streams() {
        List<String> streams = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            streams.add(stream(i));
        }
        return streams;
    }
}
