package ap3000.gateway.notify;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * One configured webhook receiver ({@code notify.endpoints.<name>.*}).
 *
 * @param eventTypes the event types it receives; empty = all
 * @param secrets    HMAC keys (the base64 part of {@code whsec_...}); the first signs, every one is sent, so that a
 *                   receiver rotating its secret accepts either; empty = unsigned
 * @param apiKey     sent as {@code X-API-Key} when set
 * @param rateLimit  requests per second at most; 0 = unlimited
 * @param conflateHeartbeats a queued, undelivered {@code device_heartbeat} is replaced by the device's next one
 *                   (latest wins) instead of both waiting; see {@link WebhookOutbox#enqueueLatest}
 */
public record WebhookEndpoint(String name, String url, Set<String> eventTypes, List<byte[]> secrets, String apiKey,
                              Duration timeout, int rateLimit, boolean conflateHeartbeats) {

    /** The URL for people (API answers, logs): no user info, no query, where tokens are kept. */
    public String displayUrl() {
        return WebhookUrl.redacted(url);
    }

    public boolean subscribes(String eventType) {
        return eventTypes.isEmpty() || eventTypes.contains(eventType);
    }

    /** Whether events of this type are delivered latest-wins: only heartbeats, and only if the endpoint says so. */
    public boolean conflates(String eventType) {
        return conflateHeartbeats && WebhookOutbox.HEARTBEAT.equals(eventType);
    }
}
