package ap3000.gateway.logging;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * At most one log line per interval for a cause that outsiders can trigger at will (garbage bytes, refused
 * connections, forged messages), so that they cannot flood the log; the line says how many were left out since the
 * last one. Safe to share between threads.
 */
public final class ThrottledWarning {

    private final long intervalMillis;
    /** {@link System#nanoTime()}: elapsed time, unaffected by changes of the wall clock; the first line is due. */
    private final AtomicLong nextLineAt = new AtomicLong(System.nanoTime());
    private final LongAdder leftOut = new LongAdder();

    public ThrottledWarning(long intervalMillis) {
        this.intervalMillis = intervalMillis;
    }

    /**
     * Whether a line is due now; when it is not, this occurrence is counted as left out.
     *
     * @return the suffix for the line ("" or " [12 more since the last line]"), or null when no line is due
     */
    public String due() {
        long now = System.nanoTime();
        long due = nextLineAt.get();
        if (now - due >= 0 && nextLineAt.compareAndSet(due, now + intervalMillis * 1_000_000)) {
            long more = leftOut.sumThenReset();
            return more > 0 ? " [" + more + " more since the last line]" : "";
        }
        leftOut.increment();
        return null;
    }
}
