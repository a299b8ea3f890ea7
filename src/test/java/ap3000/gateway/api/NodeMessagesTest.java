package ap3000.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import org.junit.jupiter.api.Test;

import ap3000.gateway.api.NodeMessages.Refused;
import ap3000.gateway.api.NodeMessages.Reply;
import ap3000.gateway.api.NodeMessages.Request;
import ap3000.gateway.api.NodeRequestRefusals.Reason;

/** Freshness is judged by the receiving node's clock, so nodes whose clocks drift apart are tested without waiting. */
class NodeMessagesTest {

    private static final NodeMessageSigner SIGNER =
            new NodeMessageSigner("the-cluster-secret-of-at-least-32-characters", "");
    private static final Clock RECEIVER = Clock.fixed(Instant.parse("2026-12-02T12:00:00Z"), ZoneOffset.UTC);
    private static final Duration JUST_OUTSIDE = NodeMessages.CLOCK_SKEW.plusSeconds(1);
    private static final Duration JUST_INSIDE = NodeMessages.CLOCK_SKEW.minusSeconds(1);

    @Test
    void should_refuse_a_request_stamped_further_ahead_or_behind_than_the_clock_skew_as_stale() throws Exception {
        NodeMessages receiver = new NodeMessages(SIGNER, "node-s", RECEIVER);

        for (Duration offset : new Duration[]{JUST_OUTSIDE, JUST_OUTSIDE.negated()}) {
            String request = requestFrom(Clock.offset(RECEIVER, offset));

            assertThatThrownBy(() -> receiver.openRequest(request)).isInstanceOf(Refused.class)
                    .extracting(e -> ((Refused) e).reason()).isEqualTo(Reason.STALE);
        }
    }

    @Test
    void should_accept_a_request_stamped_within_the_clock_skew() throws Exception {
        NodeMessages receiver = new NodeMessages(SIGNER, "node-s", RECEIVER);

        for (Duration offset : new Duration[]{JUST_INSIDE, JUST_INSIDE.negated()}) {
            Request opened = receiver.openRequest(requestFrom(Clock.offset(RECEIVER, offset)));

            assertThat(opened.ts()).isEqualTo(RECEIVER.millis() + offset.toMillis());
        }
    }

    @Test
    void should_ignore_a_reply_stamped_outside_the_clock_skew() throws Exception {
        NodeMessages caller = new NodeMessages(SIGNER, "node-t", RECEIVER);
        Request request = Request.of("node-t", "node-s", NodeOperation.DEVICE_STATUS, Map.of(), null, caller.now());

        assertThat(caller.openReply(replyFrom(Clock.offset(RECEIVER, JUST_INSIDE), request))).isPresent();
        assertThat(caller.openReply(replyFrom(Clock.offset(RECEIVER, JUST_OUTSIDE), request))).isEmpty();
    }

    /** A device-status request from node-t to node-s, stamped and signed by node-t with its clock. */
    private static String requestFrom(Clock senderClock) throws Exception {
        NodeMessages sender = new NodeMessages(SIGNER, "node-t", senderClock);
        return sender.seal(Request.of("node-t", "node-s", NodeOperation.DEVICE_STATUS, Map.of("deviceId", "04910005"),
                null, sender.now()));
    }

    /** node-s's answer to the request, stamped and signed by node-s with its clock. */
    private static String replyFrom(Clock senderClock, Request request) throws Exception {
        NodeMessages sender = new NodeMessages(SIGNER, "node-s", senderClock);
        return sender.seal(Reply.answering(request, 200, Map.of(), sender.now()));
    }
}
