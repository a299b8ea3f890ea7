package ap3000.gateway.api;

import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import ap3000.gateway.api.NodeRequestRefusals.Reason;
import ap3000.gateway.event.EventJson;

/**
 * The requests and replies gateway nodes publish to each other over Redis, signed by {@link NodeMessageSigner}: a
 * request names an operation, the sending and the receiving node, a fresh ID and the time it was sent, so that a
 * message cannot be altered, sent to another node or published again; a reply answers one request ID.
 */
final class NodeMessages {

    static final int VERSION = 1;
    /** How far a message's time may be from this node's clock: clock skew between nodes plus Redis delay. */
    static final Duration CLOCK_SKEW = Duration.ofSeconds(30);
    /** Longer messages are refused before their signature is even computed (a request body is a few hundred bytes). */
    static final int MAX_LENGTH = 256 * 1024;
    /** The request headers the forwarded API routes read; the API key is not among them (see RemoteDevices). */
    static final Set<String> HEADERS = Set.of("deviceId", "block", "async", ApiView.PARAMETER);
    /** Request IDs remembered against replays; only authentic messages get here, so this only bounds a peer's bug. */
    private static final int MAX_REMEMBERED = 100_000;
    private static final ObjectMapper JSON = EventJson.mapper();

    record Request(int version, String type, UUID id, String from, String to, String op, long ts,
                   Map<String, String> headers, Object body) {

        /** @param ts when it is sent (epoch ms), by the sending node's clock ({@link NodeMessages#now}) */
        static Request of(String from, String to, NodeOperation operation, Map<String, String> headers, Object body,
                          long ts) {
            return new Request(VERSION, "request", UUID.randomUUID(), from, to, operation.operationName(), ts, headers,
                    body);
        }
    }

    record Reply(int version, String type, UUID id, String from, String to, long ts, int status, Object body) {

        /** @param ts when it is sent (epoch ms), by the answering node's clock ({@link NodeMessages#now}) */
        static Reply answering(Request request, int status, Object body, long ts) {
            return new Reply(VERSION, "reply", request.id(), request.to(), request.from(), ts, status, body);
        }
    }

    /** A request this node does not run, and why. */
    static final class Refused extends Exception {
        private final Reason reason;
        private final String operation;

        Refused(Reason reason, String operation) {
            super(reason.name(), null, false, false);
            this.reason = reason;
            this.operation = operation;
        }

        Reason reason() {
            return reason;
        }

        /** The operation the message named, when it was authentic; null otherwise. */
        String operation() {
            return operation;
        }
    }

    private final NodeMessageSigner signer;
    private final String node;
    private final Clock clock;
    /** Request ID -> when it may be forgotten (epoch ms), oldest first. */
    private final LinkedHashMap<UUID, Long> seen = new LinkedHashMap<>();

    NodeMessages(NodeMessageSigner signer, String node, Clock clock) {
        this.signer = signer;
        this.node = node;
        this.clock = clock;
    }

    /** This node's time (epoch ms), which a message it sends carries and a message it receives is checked against. */
    long now() {
        return clock.millis();
    }

    String seal(Object message) throws JsonProcessingException {
        return signer.sign(JSON.writeValueAsString(message));
    }

    /** A request to this node that it may run: authentic, fresh, new, for a known operation with allowed headers. */
    Request openRequest(String text) throws Refused {
        if (text.length() > MAX_LENGTH) {
            throw new Refused(Reason.TOO_LARGE, null);
        }
        String json = signer.verify(text).orElseThrow(() -> new Refused(Reason.BAD_SIGNATURE, null));
        Request request;
        try {
            request = JSON.readValue(json, Request.class);
        } catch (JsonProcessingException e) {
            throw new Refused(Reason.MALFORMED, null);
        }
        if (request.version() != VERSION || !"request".equals(request.type()) || request.id() == null
                || request.from() == null || request.from().isBlank() || request.op() == null) {
            throw new Refused(Reason.MALFORMED, request.op());
        }
        if (!node.equals(request.to())) {
            throw new Refused(Reason.WRONG_NODE, request.op());
        }
        if (!fresh(request.ts())) {
            throw new Refused(Reason.STALE, request.op());
        }
        if (!firstSeen(request.id())) {
            throw new Refused(Reason.REPLAY, request.op());
        }
        if (NodeOperation.named(request.op()).isEmpty()) {
            throw new Refused(Reason.UNKNOWN_OPERATION, request.op());
        }
        if (request.headers() != null && !HEADERS.containsAll(request.headers().keySet())) {
            throw new Refused(Reason.HEADER_NOT_ALLOWED, request.op());
        }
        return request;
    }

    /** A reply to this node from {@code from}; empty for anything that is not one (the caller counts it). */
    Optional<Reply> openReply(String text) {
        if (text.length() > MAX_LENGTH) {
            return Optional.empty();
        }
        return signer.verify(text).flatMap(json -> {
            try {
                return Optional.of(JSON.readValue(json, Reply.class));
            } catch (JsonProcessingException e) {
                return Optional.empty();
            }
        }).filter(reply -> reply.version() == VERSION && "reply".equals(reply.type()) && reply.id() != null
                && node.equals(reply.to()) && fresh(reply.ts()));
    }

    private boolean fresh(long ts) {
        return Math.abs(now() - ts) <= CLOCK_SKEW.toMillis();
    }

    /**
     * Remembers the ID for twice the skew: a message stamped up to the skew ahead of this clock is fresh that long.
     */
    private synchronized boolean firstSeen(UUID id) {
        long now = now();
        for (Iterator<Long> forgetAt = seen.values().iterator(); forgetAt.hasNext(); ) {
            if (forgetAt.next() > now && seen.size() < MAX_REMEMBERED) {
                break;
            }
            forgetAt.remove();
        }
        return seen.putIfAbsent(id, now + 2 * CLOCK_SKEW.toMillis()) == null;
    }
}
