package ap3000.gateway.ops;

import java.time.Duration;
import java.util.Map;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Not ready while the audit is further behind the journal than a bound (as last sampled by the ops-monitor route):
 * a node that cannot keep its audit up should take no more devices.
 */
public class AuditLagHealthCheck extends AbstractHealthCheck {

    private final GatewayMetrics metrics;
    private final Duration maxLag;
    private final boolean auditEnabled;

    public AuditLagHealthCheck(GatewayMetrics metrics, Duration maxLag, boolean auditEnabled) {
        super("gateway", "audit-lag");
        this.metrics = metrics;
        this.maxLag = maxLag;
        this.auditEnabled = auditEnabled;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        long lagMillis = metrics.auditLagMillis();
        builder.detail("lag_ms", lagMillis).detail("max_ms", maxLag.toMillis()).detail("audit_enabled", auditEnabled);
        if (!auditEnabled || lagMillis <= maxLag.toMillis()) {
            builder.up(); // -1 (unknown: Redis unreachable) is the Redis check's to report
        } else {
            builder.message("the audit is " + lagMillis / 1000 + " s behind the journal (more than "
                    + maxLag.toSeconds() + " s)").down();
        }
    }
}
