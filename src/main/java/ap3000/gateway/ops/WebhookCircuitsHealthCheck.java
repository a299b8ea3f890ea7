package ap3000.gateway.ops;

import java.util.Map;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

import ap3000.gateway.notify.WebhookEndpoint;
import ap3000.gateway.notify.WebhookEndpoints;
import ap3000.gateway.notify.WebhookWorkers;

/**
 * The circuit breaker state of every webhook endpoint; down while one is open. It counts in the overall health
 * ({@code /observe/health}) only, not in readiness or liveness: a third party that is down must not take the gateway
 * out of service, its events wait in the outbox.
 */
public class WebhookCircuitsHealthCheck extends AbstractHealthCheck {

    private final WebhookEndpoints endpoints;
    private final WebhookWorkers workers;

    public WebhookCircuitsHealthCheck(WebhookEndpoints endpoints, WebhookWorkers workers) {
        super("gateway", "webhook-circuits");
        this.endpoints = endpoints;
        this.workers = workers;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    public boolean isReadiness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        StringBuilder open = new StringBuilder();
        for (WebhookEndpoint endpoint : endpoints.all()) {
            String state = workers.circuitState(endpoint.name());
            builder.detail(endpoint.name(), state);
            if (!workers.circuitClosed(endpoint.name())) {
                open.append(open.isEmpty() ? "" : ", ").append(endpoint.name()).append(' ').append(state);
            }
        }
        if (open.isEmpty()) {
            builder.up();
        } else {
            builder.message("circuit not closed: " + open).down();
        }
    }
}
