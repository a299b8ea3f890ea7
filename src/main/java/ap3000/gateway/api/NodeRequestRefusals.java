package ap3000.gateway.api;

import java.util.EnumMap;
import java.util.Map;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ap3000.gateway.logging.ThrottledWarning;

/**
 * Counts the messages on this node's request and reply channels that it refused
 * ({@code gateway_node_requests_refused_total{reason}}), and logs them at most once per reason per interval: anyone
 * who can publish to the shared Redis can send them, so they must not flood the log. A line names the operation (when
 * the message was authentic enough to have one) and the length, never the content.
 */
public class NodeRequestRefusals {

    public enum Reason {
        /** Longer than the size limit; not even verified. */
        TOO_LARGE,
        /** More requests waiting than this node serves: refused unread (a flood on the channel). */
        OVERLOADED,
        /** No valid HMAC under the cluster secret (another secret, a forgery, or not a node's message at all). */
        BAD_SIGNATURE,
        /** Signed, but not a request this version understands. */
        MALFORMED,
        /** Signed for another node. */
        WRONG_NODE,
        /** Its time stamp is further from this node's clock than the allowed skew. */
        STALE,
        /** Its ID was seen already: the same message published again. */
        REPLAY,
        /** An operation outside {@link NodeOperation}. */
        UNKNOWN_OPERATION,
        /** A header outside the few the API routes read. */
        HEADER_NOT_ALLOWED,
        /** A reply on this node's reply channel that is not a valid, signed answer to a request it is waiting for. */
        BAD_REPLY
    }

    private static final Logger LOG = LoggerFactory.getLogger(NodeRequestRefusals.class);
    private static final long LOG_INTERVAL_MILLIS = 60_000;

    private final Map<Reason, Counter> counters = new EnumMap<>(Reason.class);
    private final Map<Reason, ThrottledWarning> warnings = new EnumMap<>(Reason.class);

    public NodeRequestRefusals(MeterRegistry meters) {
        for (Reason reason : Reason.values()) {
            counters.put(reason, Counter.builder("gateway.node.requests.refused").tag("reason", reason.name()
                            .toLowerCase()).description("messages from the Redis node channels refused by this node")
                    .register(meters));
            warnings.put(reason, new ThrottledWarning(LOG_INTERVAL_MILLIS));
        }
    }

    /** @param operation the operation named by an authentic message, null when there is none */
    public void record(Reason reason, String operation, int length) {
        counters.get(reason).increment();
        String leftOut = warnings.get(reason).due();
        if (leftOut != null) {
            LOG.warn("Refused a message from the node channels: {} (operation {}, {} characters){}", reason,
                    operation == null ? "-" : printable(operation), length, leftOut);
        }
    }

    /** An operation name as a safe log token: another node sent it, but it may still be garbage. */
    private static String printable(String operation) {
        String cleaned = operation.replaceAll("[^A-Za-z0-9._-]", "?");
        return cleaned.length() > 40 ? cleaned.substring(0, 40) + "..." : cleaned;
    }
}
