package ap3000.gateway.ops;

import java.util.Map;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

import ap3000.gateway.redis.RedisConnection;

/** Ready only while Redis answers: without it no settlement can be accepted, so devices must go elsewhere. */
public class RedisHealthCheck extends AbstractHealthCheck {

    private final RedisConnection redis;

    public RedisHealthCheck(RedisConnection redis) {
        super("gateway", "redis");
        this.redis = redis;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        builder.detail("url", redis.redactedUrl());
        if (redis.usesSentinel()) {
            builder.detail("master", redis.currentMaster().toString());
        }
        try {
            long start = System.nanoTime();
            redis.client().ping();
            builder.detail("ping_ms", (System.nanoTime() - start) / 1_000_000).up();
        } catch (RuntimeException e) {
            builder.message("Redis does not answer: " + e.getMessage()).error(e).down();
        }
    }
}
