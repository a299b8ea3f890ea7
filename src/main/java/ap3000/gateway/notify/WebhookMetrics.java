package ap3000.gateway.notify;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Webhook delivery in Micrometer, per endpoint (tag {@code endpoint}); Prometheus shows the names with
 * underscores ({@code gateway_notifications_delivered_total}):
 * <ul>
 *   <li>{@code gateway.notifications.delivered}, {@code .retried} (durable retry rounds scheduled),
 *       {@code .dead_lettered}: counters of events;</li>
 *   <li>{@code gateway.notifications.attempts} (tag {@code result} = success | failure): HTTP requests;</li>
 *   <li>{@code gateway.notifications.latency}: from the event to its delivery (a histogram);</li>
 *   <li>{@code gateway.notifications.circuit.open} (1 while the circuit is open or half open),
 *       {@code gateway.notifications.outbox.depth} (events queued), {@code gateway.notifications.dead_letters}.</li>
 * </ul>
 */
public class WebhookMetrics {

    private final MeterRegistry registry;

    public WebhookMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** The gauges, read when metrics are scraped. */
    public void watch(WebhookEndpoints endpoints, WebhookWorkers workers, WebhookOutbox outbox) {
        for (WebhookEndpoint endpoint : endpoints.all()) {
            String name = endpoint.name();
            gauge("gateway.notifications.circuit.open", name, workers,
                    w -> w.circuitClosed(name) ? 0 : 1, "1 while the endpoint's circuit is not closed");
            gauge("gateway.notifications.outbox.depth", name, outbox,
                    o -> unlessRedisFails(() -> o.depth(name).get("events")), "events queued for the endpoint");
        }
        Gauge.builder("gateway.notifications.dead_letters", outbox, o -> unlessRedisFails(o::deadLetterCount))
                .description("dead letters kept, all endpoints").register(registry);
    }

    public void delivered(String endpoint, long latencyMillis) {
        counter("gateway.notifications.delivered", endpoint).increment();
        Timer.builder("gateway.notifications.latency").tag("endpoint", endpoint)
                .description("from the event to its delivery").publishPercentileHistogram().register(registry)
                .record(latencyMillis, TimeUnit.MILLISECONDS);
    }

    public void retried(String endpoint) {
        counter("gateway.notifications.retried", endpoint).increment();
    }

    public void deadLettered(String endpoint) {
        counter("gateway.notifications.dead_lettered", endpoint).increment();
    }

    public void attempt(String endpoint, boolean success) {
        Counter.builder("gateway.notifications.attempts").tag("endpoint", endpoint)
                .tag("result", success ? "success" : "failure").register(registry).increment();
    }

    /** Since start, for the endpoints API. */
    public Map<String, Object> snapshot(String endpoint) {
        Map<String, Object> snapshot = new LinkedHashMap<>();
        snapshot.put("delivered", (long) counter("gateway.notifications.delivered", endpoint).count());
        snapshot.put("retries_scheduled", (long) counter("gateway.notifications.retried", endpoint).count());
        snapshot.put("dead_lettered", (long) counter("gateway.notifications.dead_lettered", endpoint).count());
        long succeeded = attempts(endpoint, "success");
        long failed = attempts(endpoint, "failure");
        snapshot.put("attempts_succeeded", succeeded);
        snapshot.put("attempts_failed", failed);
        snapshot.put("success_rate", succeeded + failed == 0 ? null
                : Math.round(1000.0 * succeeded / (succeeded + failed)) / 10.0);
        Timer latency = registry.find("gateway.notifications.latency").tag("endpoint", endpoint).timer();
        snapshot.put("avg_latency_ms", latency == null ? 0 : Math.round(latency.mean(TimeUnit.MILLISECONDS)));
        snapshot.put("max_latency_ms", latency == null ? 0 : Math.round(latency.max(TimeUnit.MILLISECONDS)));
        return snapshot;
    }

    /** HTTP attempts to the endpoint since start with this result (success, failure). */
    public long attempts(String endpoint, String result) {
        Counter counter = registry.find("gateway.notifications.attempts").tag("endpoint", endpoint)
                .tag("result", result).counter();
        return counter == null ? 0 : (long) counter.count();
    }

    private Counter counter(String name, String endpoint) {
        return Counter.builder(name).tag("endpoint", endpoint).register(registry);
    }

    private <T> void gauge(String name, String endpoint, T source, ToDoubleFunction<T> value, String description) {
        Gauge.builder(name, source, value).tag("endpoint", endpoint).description(description).register(registry);
    }

    private interface RedisRead {
        long read();
    }

    /** A scrape while Redis is down shows no value rather than failing the whole scrape. */
    private static double unlessRedisFails(RedisRead read) {
        try {
            return read.read();
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }
}
