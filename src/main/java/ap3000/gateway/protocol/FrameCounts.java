package ap3000.gateway.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * Valid frames read from and written to devices, per command code. The decoder and the encoder count here on the
 * I/O threads (one add each); the metrics read the sums.
 */
public class FrameCounts {

    public enum Direction { IN, OUT }

    private final LongAdder[] in = new LongAdder[256];
    private final LongAdder[] out = new LongAdder[256];

    public FrameCounts() {
        for (int i = 0; i < 256; i++) {
            in[i] = new LongAdder();
            out[i] = new LongAdder();
        }
    }

    public void count(Direction direction, int command) {
        (direction == Direction.IN ? in : out)[command & 0xFF].increment();
    }

    public long total(Direction direction, int command) {
        return (direction == Direction.IN ? in : out)[command & 0xFF].sum();
    }

    /** The command codes seen at least once in this direction. */
    public List<Integer> seen(Direction direction) {
        LongAdder[] counts = direction == Direction.IN ? in : out;
        List<Integer> seen = new ArrayList<>();
        for (int i = 0; i < 256; i++) {
            if (counts[i].sum() > 0) {
                seen.add(i);
            }
        }
        return seen;
    }
}
