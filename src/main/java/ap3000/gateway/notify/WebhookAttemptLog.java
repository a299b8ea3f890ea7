package ap3000.gateway.notify;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ap3000.gateway.event.EventJson;
import ap3000.gateway.redis.RedisConnection;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Writes every HTTP request of a webhook delivery to the event's attempt log, quick retries included. The endpoint
 * route (routes/notifications.camel.yaml, webhook-call) calls {@link #begin} before the request and {@link #record}
 * in its {@code doFinally}, so an attempt is logged whether it was answered or failed, with the time it took.
 */
public class WebhookAttemptLog {

    /** Exchange property: when the request in hand started ({@link System#nanoTime}). */
    static final String STARTED = "webhookAttemptStarted";

    private static final Logger LOG = LoggerFactory.getLogger(WebhookAttemptLog.class);

    private final RedisConnection redis;
    private final WebhookOutbox outbox;
    private final String node;
    private final WebhookMetrics metrics;
    private final Clock clock;

    public WebhookAttemptLog(RedisConnection redis, WebhookOutbox outbox, String node, WebhookMetrics metrics,
                             Clock clock) {
        this.redis = redis;
        this.outbox = outbox;
        this.node = node;
        this.metrics = metrics;
        this.clock = clock;
    }

    /**
     * Before the request. A quick retry runs the request again on the same exchange, where the finally block left the
     * last attempt's exception: clearing it keeps {@link #record} from charging this attempt with it.
     */
    public void begin(Exchange exchange) {
        exchange.removeProperty(Exchange.EXCEPTION_CAUGHT);
        exchange.setProperty(STARTED, System.nanoTime());
    }

    /**
     * After the request, answered or not: in a {@code doFinally}, which keeps a failure in
     * {@link Exchange#EXCEPTION_CAUGHT} while it runs and hands it on afterwards.
     */
    public void record(Exchange exchange) {
        Exception failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        String endpoint = exchange.getProperty(WebhookDelivery.ENDPOINT, String.class);
        String eventId = exchange.getProperty(WebhookDelivery.EVENT_ID, String.class);
        Map<String, Object> attempt = new LinkedHashMap<>();
        attempt.put("endpoint", endpoint);
        attempt.put("at", clock.millis());
        Integer status = failure == null
                ? exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class) : null;
        attempt.put("status", status);
        attempt.put("latency_ms", (System.nanoTime() - exchange.getProperty(STARTED, Long.class)) / 1_000_000);
        attempt.put("error", failure == null ? null : WebhookDelivery.describe(failure));
        attempt.put("node", node);
        write(endpoint, exchange.getProperty(WebhookDelivery.DEVICE, String.class), eventId, attempt,
                status != null && status >= 200 && status < 300);
    }

    /** Counts the attempt and appends it to the event's log (status, latency_ms, error, ...). */
    protected void write(String endpoint, String device, String eventId, Map<String, Object> attempt,
                         boolean success) {
        metrics.attempt(endpoint, success);
        try (AbstractPipeline pipeline = redis.pipelined()) {
            outbox.logAttempt(pipeline, eventId, EventJson.writeValue(attempt));
            outbox.countAttempt(pipeline, endpoint, device, eventId);
            RedisConnection.syncOrThrow(pipeline);
        } catch (JedisException e) {
            // the delivery itself goes on; only its log line is missing
            LOG.warn("Attempt of webhook {} to '{}' not logged: {}", eventId, endpoint, e.getMessage());
        }
    }
}
