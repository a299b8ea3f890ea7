package ap3000.gateway.notify;

import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.spi.CamelEvent.ExchangeSentEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ap3000.gateway.event.EventJson;
import ap3000.gateway.redis.RedisConnection;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Writes every HTTP request of a webhook delivery to the event's attempt log, quick retries included: Camel
 * reports each request to the HTTP endpoint as it completes, answered or not, with the time it took.
 */
public class WebhookAttemptLog extends EventNotifierSupport {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookAttemptLog.class);

    private final RedisConnection redis;
    private final WebhookOutbox outbox;
    private final String node;
    private final WebhookMetrics metrics;

    public WebhookAttemptLog(RedisConnection redis, WebhookOutbox outbox, String node, WebhookMetrics metrics) {
        this.redis = redis;
        this.outbox = outbox;
        this.node = node;
        this.metrics = metrics;
        setIgnoreCamelContextEvents(true);
        setIgnoreRouteEvents(true);
        setIgnoreServiceEvents(true);
        setIgnoreStepEvents(true);
        setIgnoreExchangeCreatedEvent(true);
        setIgnoreExchangeCompletedEvent(true);
        setIgnoreExchangeFailedEvents(true);
        setIgnoreExchangeRedeliveryEvents(true);
        setIgnoreExchangeSendingEvents(true);
    }

    @Override
    public boolean isEnabled(CamelEvent event) {
        return event instanceof ExchangeSentEvent sent
                && sent.getExchange().getProperty(WebhookDelivery.ENDPOINT) != null
                && sent.getEndpoint().getEndpointUri().startsWith("http");
    }

    @Override
    public void notify(CamelEvent event) {
        ExchangeSentEvent sent = (ExchangeSentEvent) event;
        Exchange exchange = sent.getExchange();
        String endpoint = exchange.getProperty(WebhookDelivery.ENDPOINT, String.class);
        String eventId = exchange.getProperty(WebhookDelivery.EVENT_ID, String.class);
        Map<String, Object> attempt = new LinkedHashMap<>();
        attempt.put("endpoint", endpoint);
        attempt.put("at", System.currentTimeMillis());
        Integer status = exchange.getException() == null
                ? exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class) : null;
        attempt.put("status", status);
        attempt.put("latency_ms", sent.getTimeTaken());
        attempt.put("error", exchange.getException() == null ? null : WebhookDelivery.describe(exchange.getException()));
        attempt.put("node", node);
        metrics.attempt(endpoint, status != null && status >= 200 && status < 300);
        try (AbstractPipeline pipeline = redis.pipelined()) {
            outbox.logAttempt(pipeline, eventId, EventJson.writeValue(attempt));
            outbox.countAttempt(pipeline, endpoint, eventId);
            RedisConnection.syncOrThrow(pipeline);
        } catch (JedisException e) {
            // the delivery itself goes on; only its log line is missing
            LOG.warn("Attempt of webhook {} to '{}' not logged: {}", eventId, endpoint, e.getMessage());
        }
    }
}
