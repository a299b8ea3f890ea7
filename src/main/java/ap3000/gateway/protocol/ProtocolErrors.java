package ap3000.gateway.protocol;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ap3000.gateway.logging.ThrottledWarning;

/**
 * Counts decode errors by kind and logs them with their hex, at most one line per kind per interval, so that
 * thousands of misbehaving connections cannot flood the log. Shared by all connections.
 */
public class ProtocolErrors {

    public enum Kind {
        /** Bytes that are neither an ICCID, {@code link} nor a DNY header; skipped up to the next header. */
        GARBAGE,
        /** A DNY header whose length field is below 9 or above the device maximum. */
        BAD_LENGTH,
        /** A complete DNY frame whose byte sum does not match its checksum. */
        BAD_CHECKSUM,
        /** A valid frame whose data is too short for its command, or a command the reference does not know. */
        UNPARSED_PAYLOAD,
        /** A frame, ICCID or {@code link} still incomplete a frame timeout after its first byte; the connection closes. */
        FRAME_TIMEOUT
    }

    private static final Logger LOG = LoggerFactory.getLogger(ProtocolErrors.class);
    private static final int MAX_LOGGED_BYTES = 64;

    private final Map<Kind, LongAdder> counts = new EnumMap<>(Kind.class);
    private final Map<Kind, ThrottledWarning> warnings = new EnumMap<>(Kind.class);

    public ProtocolErrors(long logIntervalMillis) {
        for (Kind kind : Kind.values()) {
            counts.put(kind, new LongAdder());
            warnings.put(kind, new ThrottledWarning(logIntervalMillis));
        }
    }

    /** Counts one error; {@code connection} is only turned into text when a line is logged. */
    public void record(Kind kind, Object connection, ByteBuf bytes, int from, int length) {
        counts.get(kind).increment();
        String leftOut = warnings.get(kind).due();
        if (leftOut != null) {
            int shown = Math.min(length, MAX_LOGGED_BYTES);
            LOG.warn("Protocol error {} on {}: {} bytes{} {}{}", kind, connection, length,
                    length > shown ? " (first " + MAX_LOGGED_BYTES + ")" : "",
                    ByteBufUtil.hexDump(bytes, from, shown).toUpperCase(), leftOut);
        }
    }

    public long count(Kind kind) {
        return counts.get(kind).sum();
    }
}
