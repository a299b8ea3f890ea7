package ap3000.gateway.notify;

import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The steps of the webhook routes ({@code webhook-deliver} and the {@code webhook-call} template): what one attempt
 * sends, how an answer is judged, and what becomes of the event afterwards (delivered, retried later,
 * dead-lettered, held while the endpoint is disabled). The worker that sent the exchange reads {@link #OUTCOME} to
 * know that a result was recorded, and {@link #NEXT} for the device's next event.
 */
public class WebhookDelivery {

    public static final String ENDPOINT = "webhookEndpoint";
    public static final String DEVICE = "webhookDevice";
    public static final String BODY = "webhookBody";
    public static final String EVENT_ID = "webhookEventId";
    public static final String EVENT_TYPE = "webhookEventType";
    public static final String OCCURRED_US = "webhookOccurredUs";
    public static final String OUTCOME = "webhookOutcome";
    /** After a delivery or a dead letter: the device's next queued event, absent when there is none. */
    public static final String NEXT = "webhookNext";

    private static final Logger LOG = LoggerFactory.getLogger(WebhookDelivery.class);
    private static final int SNIPPET_LENGTH = 200;

    public enum Outcome {
        DELIVERED, DEAD_LETTERED, RETRY_SCHEDULED, DISABLED
    }

    private final WebhookEndpoints endpoints;
    private final WebhookOutbox outbox;
    private final RetrySchedule schedule;
    private final Duration retryAfterMax;
    private final Clock clock;
    private final WebhookMetrics metrics;

    public WebhookDelivery(WebhookEndpoints endpoints, WebhookOutbox outbox, RetrySchedule schedule,
                           Duration retryAfterMax, Clock clock, WebhookMetrics metrics) {
        this.endpoints = endpoints;
        this.outbox = outbox;
        this.schedule = schedule;
        this.retryAfterMax = retryAfterMax;
        this.clock = clock;
        this.metrics = metrics;
    }

    /** Builds the request afresh for every attempt: a retry must not send the previous attempt's response. */
    public void prepare(Exchange exchange) {
        WebhookEndpoint endpoint = endpoint(exchange);
        String body = exchange.getProperty(BODY, String.class);
        String eventId = exchange.getProperty(EVENT_ID, String.class);
        Message message = exchange.getMessage();
        message.removeHeaders("*");
        message.setBody(body);
        message.setHeader(Exchange.HTTP_URI, endpoint.url());
        message.setHeader(Exchange.HTTP_METHOD, "POST");
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        message.setHeader("User-Agent", "ap3000-gateway");
        message.setHeader("Idempotency-Key", eventId);
        if (!endpoint.secrets().isEmpty()) {
            long timestamp = clock.millis() / 1000;
            message.setHeader("webhook-id", eventId);
            message.setHeader("webhook-timestamp", Long.toString(timestamp));
            message.setHeader("webhook-signature", WebhookSigner.signature(endpoint.secrets(), eventId, timestamp, body));
        }
        if (endpoint.apiKey() != null) {
            message.setHeader("X-API-Key", endpoint.apiKey());
        }
    }

    /** 2xx passes; 410 disables; 429/503 with Retry-After wait as told; everything else is retried. */
    public void checkResponse(Exchange exchange) {
        Message message = exchange.getMessage();
        int status = message.getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        if (status >= 200 && status < 300) {
            return;
        }
        String snippet = snippet(message.getBody(String.class));
        if (status == 410) {
            throw new EndpointGoneException(snippet);
        }
        if (status == 429 || status == 503) {
            Duration retryAfter = retryAfter(message.getHeader("Retry-After", String.class));
            if (retryAfter != null) {
                throw new RetryAfterException(status, snippet, retryAfter);
            }
        }
        throw new WebhookRejectedException(status, snippet);
    }

    public void delivered(Exchange exchange) {
        String endpoint = exchange.getProperty(ENDPOINT, String.class);
        outbox.done(endpoint, exchange.getProperty(DEVICE, String.class), exchange.getProperty(EVENT_ID, String.class),
                exchange.getProperty(BODY, String.class)).ifPresent(next -> exchange.setProperty(NEXT, next));
        metrics.delivered(endpoint, Math.max(0, clock.millis() - exchange.getProperty(OCCURRED_US, Long.class) / 1000));
        exchange.setProperty(OUTCOME, Outcome.DELIVERED);
    }

    /** The quick retries are used up: the next durable round, or the dead letters when none is left. */
    public void failed(Exchange exchange) {
        Exception cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        scheduleRetry(exchange, cause, null);
    }

    /** The receiver asked for a pause (429/503 with Retry-After): honoured within [1 s, notify.retry-after-max]. */
    public void retryAfter(Exchange exchange) {
        RetryAfterException cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, RetryAfterException.class);
        Duration wait = cause.retryAfter();
        if (wait.compareTo(Duration.ofSeconds(1)) < 0) {
            wait = Duration.ofSeconds(1);
        } else if (wait.compareTo(retryAfterMax) > 0) {
            wait = retryAfterMax;
        }
        scheduleRetry(exchange, cause, wait);
    }

    /**
     * The circuit refused the call: nothing was sent, and no quick retry is made. It counts as a failed round of
     * the durable schedule, so that an endpoint down for longer than the whole schedule ends in the dead letters.
     */
    public void circuitOpen(Exchange exchange) {
        scheduleRetry(exchange, exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class), null);
    }

    /** 410 Gone: the endpoint is disabled on every node; its events stay queued until an operator enables it. */
    public void endpointGone(Exchange exchange) {
        String endpoint = exchange.getProperty(ENDPOINT, String.class);
        EndpointGoneException cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, EndpointGoneException.class);
        outbox.disable(endpoint, "HTTP 410 at " + clock.instant() + (cause.responseSnippet().isEmpty() ? ""
                : ": " + cause.responseSnippet()));
        outbox.retryAt(endpoint, exchange.getProperty(DEVICE, String.class), clock.millis());
        LOG.error("ALERT webhook endpoint '{}' answered 410 Gone and is now DISABLED; its events are kept in the outbox."
                + " Enable it with POST /api/v1/notifications/endpoints/{}/enable", endpoint, endpoint);
        exchange.setProperty(OUTCOME, Outcome.DISABLED);
    }

    private void scheduleRetry(Exchange exchange, Exception cause, Duration requestedWait) {
        String endpoint = exchange.getProperty(ENDPOINT, String.class);
        String device = exchange.getProperty(DEVICE, String.class);
        String eventId = exchange.getProperty(EVENT_ID, String.class);
        long round = outbox.nextRound(endpoint, device, eventId);
        var wait = schedule.delay(round).map(d -> requestedWait != null ? requestedWait : d);
        if (wait.isPresent()) {
            outbox.retryAt(endpoint, device, clock.millis() + wait.get().toMillis());
            metrics.retried(endpoint);
            LOG.warn("Webhook {} of device {} to '{}' failed ({}); retry round {} in {} s", eventId, device, endpoint,
                    describe(cause), round, wait.get().toSeconds());
            exchange.setProperty(OUTCOME, Outcome.RETRY_SCHEDULED);
            return;
        }
        WebhookRejectedException rejected = cause instanceof WebhookRejectedException r ? r : null;
        outbox.deadLetter(new DeadLetter(DeadLetter.id(endpoint, eventId), endpoint, eventId,
                exchange.getProperty(EVENT_TYPE, String.class), device, exchange.getProperty(OCCURRED_US, Long.class),
                clock.millis(), outbox.attempts(endpoint, device, eventId), rejected == null ? null : rejected.status(),
                describe(cause), rejected == null ? null : rejected.responseSnippet(),
                exchange.getProperty(BODY, String.class)), device).ifPresent(next -> exchange.setProperty(NEXT, next));
        metrics.deadLettered(endpoint);
        LOG.error("Webhook {} of device {} to '{}' failed after every retry round ({}); moved to the dead letters",
                eventId, device, endpoint, describe(cause));
        exchange.setProperty(OUTCOME, Outcome.DEAD_LETTERED);
    }

    private WebhookEndpoint endpoint(Exchange exchange) {
        String name = exchange.getProperty(ENDPOINT, String.class);
        return endpoints.get(name).orElseThrow(() -> new IllegalStateException("no endpoint " + name));
    }

    /**
     * The failure as logged and kept with a dead letter; a URL in an exception's message (the HTTP client quotes the
     * one it could not parse or reach) loses its user info and query, where tokens are kept.
     */
    static String describe(Throwable cause) {
        if (cause == null) {
            return "unknown";
        }
        if (cause instanceof WebhookRejectedException) {
            return cause.getMessage();
        }
        return cause.getClass().getSimpleName() + ": " + WebhookUrl.redactedIn(String.valueOf(cause.getMessage()));
    }

    private static String snippet(String body) {
        if (body == null) {
            return "";
        }
        String flat = body.strip().replaceAll("\\s+", " ");
        return flat.length() <= SNIPPET_LENGTH ? flat : flat.substring(0, SNIPPET_LENGTH) + "...";
    }

    /** Retry-After as delay-seconds or an HTTP date; null when absent or unreadable. */
    private Duration retryAfter(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        try {
            return Duration.ofSeconds(Long.parseLong(header.trim()));
        } catch (NumberFormatException notSeconds) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(header.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
                return Duration.ofMillis(Math.max(0, at.toInstant().toEpochMilli() - clock.millis()));
            } catch (DateTimeParseException notDate) {
                return null;
            }
        }
    }
}
