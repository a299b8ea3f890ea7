package ap3000.gateway.notify;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.apache.camel.BeanInject;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.camel.spi.Registry;

import io.micrometer.core.instrument.MeterRegistry;

import ap3000.gateway.event.JournalShards;
import ap3000.gateway.redis.RedisConnection;

/**
 * Webhooks: the endpoints of {@code notify.endpoints.*}, the outbox, the fan-out from the journal, the delivery
 * workers and the beans of the delivery routes.
 */
public class NotifyWiring {

    @BeanInject("redis")
    RedisConnection redis;
    @BeanInject("clock")
    Clock clock;
    @BeanInject("nodeId")
    String nodeId;
    @BeanInject(MicrometerConstants.METRICS_REGISTRY_NAME)
    MeterRegistry meters;
    @PropertyInject("notify.prefix")
    String prefix;
    @PropertyInject("notify.lease")
    Duration lease;
    @PropertyInject("audit.ttl.notifications")
    Duration attemptsTtl;
    @PropertyInject("notify.workers-per-endpoint")
    int workersPerEndpoint;
    @PropertyInject("notify.poll-interval")
    Duration pollInterval;
    @PropertyInject("notify.stop-wait")
    Duration stopWait;
    @PropertyInject("gateway.shutdown-timeout")
    Duration shutdownTimeout;
    @BeanInject("journalShards")
    JournalShards shards;
    @PropertyInject("notify.fan-out.batch-size")
    int fanOutBatchSize;
    @PropertyInject("notify.fan-out.flush-interval")
    Duration fanOutFlushInterval;
    @PropertyInject("notify.retry.schedule")
    String retrySchedule;
    @PropertyInject("notify.retry.delay-ms")
    long retryDelayMillis;
    @PropertyInject("notify.retry.jitter")
    double retryJitter;
    @PropertyInject("notify.retry-after-max")
    Duration retryAfterMax;

    public void wire(CamelContext context) throws Exception {
        Registry registry = context.getRegistry();
        WebhookEndpoints endpoints = WebhookEndpoints.read(context.getPropertiesComponent());
        // Camel makes one webhook-<name> route per endpoint from the webhook-call template with this source
        registry.bind("webhookEndpoints", endpoints);
        WebhookOutbox outbox = new WebhookOutbox(redis, shards, prefix, lease, attemptsTtl, clock);
        registry.bind("webhookOutbox", outbox);
        WebhookMetrics metrics = new WebhookMetrics(meters);
        registry.bind("webhookMetrics", metrics);
        WebhookWorkers workers = new WebhookWorkers(context, endpoints, outbox, workersPerEndpoint, pollInterval,
                Duration.ofMillis(retryDelayMillis), workersStopWait(context));
        context.addService(workers, true, true);
        registry.bind("webhookWorkers", workers);
        WebhookFanOut fanOut = new WebhookFanOut(redis, shards, prefix, nodeId, fanOutBatchSize, fanOutFlushInterval,
                lease, outbox, endpoints, workers);
        // a service added after Redis is stopped after the routes and before Redis: it hands its lease back then
        context.addService(fanOut, true, true);
        registry.bind("webhookFanOut", fanOut);
        registry.bind("webhookDelivery", new WebhookDelivery(endpoints, outbox,
                RetrySchedule.parse(retrySchedule, retryJitter), retryAfterMax, clock, metrics));
        metrics.watch(endpoints, workers, outbox);
        registry.bind("webhookAttemptLog", new WebhookAttemptLog(redis, outbox, nodeId, metrics, clock));
    }

    /**
     * Splits {@code gateway.shutdown-timeout} between the stages of a stop, so that the whole stop fits in it: first
     * the webhook workers finish the request in hand ({@code notify.stop-wait}, at most a third of the budget), then
     * Camel's graceful shutdown of the routes gets another third, and the last third is left for what stops after
     * the routes (the journal and audit flushes, Redis) and the process's exit, which no timeout bounds.
     */
    private Duration workersStopWait(CamelContext context) {
        Duration third = shutdownTimeout.dividedBy(3);
        Duration workers = stopWait.compareTo(third) > 0 ? third : stopWait;
        context.getShutdownStrategy().setTimeUnit(TimeUnit.MILLISECONDS);
        context.getShutdownStrategy().setTimeout(third.toMillis());
        return workers;
    }
}
