package ap3000.gateway.ops;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import ap3000.gateway.event.EventJson;
import ap3000.gateway.notify.WebhookEndpoint;
import ap3000.gateway.notify.WebhookEndpoints;
import ap3000.gateway.notify.WebhookMetrics;
import ap3000.gateway.notify.WebhookOutbox;
import ap3000.gateway.notify.WebhookWorkers;
import ap3000.gateway.redis.RedisConnection;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.params.SetParams;

/**
 * Evaluates the alert rules ({@link AlertRules}) each time the {@code ops-monitor} route ticks. An alert is one rule
 * for one subject (an endpoint, or the node). When it starts or stops it is logged (a line starting {@code ALERT}),
 * counted ({@code gateway.alerts{rule,state}}), kept among the recent alerts (Redis list {@code <prefix>recent}), and
 * queued in the webhook outbox for each endpoint of {@code alerts.endpoints}: the same durable delivery, retries,
 * signing and dead letters as device events. An alert that fired within the silence window (on any node: the window
 * is a Redis key) is not sent again; neither is its resolution.
 */
public class Alerts {

    public static final String DEAD_LETTERS = "dead_letters";
    public static final String FAILURE_RATE = "delivery_failure_rate";
    public static final String CIRCUIT_OPEN = "circuit_open";
    public static final String DEVICES_DROP = "devices_drop";
    public static final String AUDIT_LAG = "audit_lag";
    private static final List<String> RULES = List.of(DEAD_LETTERS, FAILURE_RATE, CIRCUIT_OPEN, DEVICES_DROP,
            AUDIT_LAG);

    private static final Logger LOG = LoggerFactory.getLogger(Alerts.class);
    private static final int RECENT = 100;
    /** The outbox queue alerts wait in: one "device", so firing and resolved arrive in order. */
    private static final String QUEUE = "alerts";

    /** What one rule found for one subject at this tick. */
    private record Finding(String rule, String subject, boolean active, double value, double threshold,
                           String message) {
        String key() {
            return subject == null ? rule : rule + ":" + subject;
        }
    }

    /** An alert that is firing on this node; {@code sent} is false when its firing was silenced. */
    private record Active(Finding finding, long sinceMillis, boolean sent) {
    }

    private record Sample(long atMillis, double a, double b) {
    }

    private final AlertRules rules;
    private final RedisConnection redis;
    private final String prefix;
    private final String node;
    private final Clock clock;
    private final MeterRegistry meters;
    private final WebhookEndpoints endpoints;
    private final WebhookOutbox outbox;
    private final WebhookWorkers workers;
    private final GatewayMetrics metrics;
    private final WebhookMetrics webhookMetrics;

    private final Map<String, Active> active = new LinkedHashMap<>();
    private final Map<String, AtomicInteger> activeByRule = new HashMap<>();
    private final Map<String, Long> circuitNotClosedSince = new HashMap<>();
    private final Map<String, Deque<Sample>> attempts = new HashMap<>();
    private final Deque<Sample> online = new ArrayDeque<>();
    /** Fallback for the silence window while Redis is unreachable. */
    private final Map<String, Long> lastFired = new HashMap<>();

    public Alerts(AlertRules rules, RedisConnection redis, String prefix, String node, Clock clock,
                  MeterRegistry meters, WebhookEndpoints endpoints, WebhookOutbox outbox, WebhookWorkers workers,
                  GatewayMetrics metrics, WebhookMetrics webhookMetrics) {
        for (String endpoint : rules.endpoints()) {
            if (endpoints.get(endpoint).isEmpty()) {
                throw new IllegalStateException("alerts.endpoints: '" + endpoint + "' is not in notify.endpoints");
            }
        }
        this.rules = rules;
        this.redis = redis;
        this.prefix = prefix;
        this.node = node;
        this.clock = clock;
        this.meters = meters;
        this.endpoints = endpoints;
        this.outbox = outbox;
        this.workers = workers;
        this.metrics = metrics;
        this.webhookMetrics = webhookMetrics;
        for (String rule : RULES) {
            AtomicInteger count = new AtomicInteger();
            activeByRule.put(rule, count);
            Gauge.builder("gateway.alerts.active", count, AtomicInteger::get).tag("rule", rule)
                    .description("alerts of this rule firing on this node").register(meters);
        }
    }

    /** One evaluation of every rule; the ops-monitor route calls it. */
    public synchronized void evaluate() {
        long now = clock.millis();
        List<Finding> findings = new ArrayList<>();
        deadLetters(findings);
        for (WebhookEndpoint endpoint : endpoints.all()) {
            failureRate(findings, endpoint.name(), now);
            circuitOpen(findings, endpoint.name(), now);
        }
        devicesDrop(findings, now);
        auditLag(findings);
        for (Finding finding : findings) {
            Active was = active.get(finding.key());
            if (finding.active() && was == null) {
                boolean sent = !silenced(finding.key(), now);
                active.put(finding.key(), new Active(finding, now, sent));
                activeByRule.get(finding.rule()).incrementAndGet();
                announce(finding, "firing", sent, now, now);
            } else if (!finding.active() && was != null) {
                active.remove(finding.key());
                activeByRule.get(finding.rule()).decrementAndGet();
                announce(finding, "resolved", was.sent(), was.sinceMillis(), now);
            }
        }
    }

    /** The alerts firing on this node. */
    public synchronized List<Map<String, Object>> active() {
        List<Map<String, Object>> list = new ArrayList<>();
        active.values().forEach(a -> list.add(describe(a.finding(), "firing", a.sinceMillis(), a.sinceMillis())));
        return list;
    }

    /** The latest alerts of every node, newest first (empty while Redis is unreachable). */
    public List<Map<String, Object>> recent(int limit) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (String json : redis.client().lrange(prefix + "recent", 0, Math.min(limit, RECENT) - 1)) {
            @SuppressWarnings("unchecked")
            Map<String, Object> alert = EventJson.readValue(json, Map.class);
            list.add(alert);
        }
        return list;
    }

    // ---- rules ----------------------------------------------------------------------------------------------

    private void deadLetters(List<Finding> findings) {
        if (rules.deadLetters() == null) {
            return;
        }
        long count;
        try {
            count = outbox.deadLetterCount();
        } catch (RuntimeException e) {
            return; // unknown while Redis is unreachable: no change either way
        }
        findings.add(new Finding(DEAD_LETTERS, null, count > rules.deadLetters(), count, rules.deadLetters(),
                count + " webhook dead letters kept (more than " + rules.deadLetters() + ")"));
    }

    private void failureRate(List<Finding> findings, String endpoint, long now) {
        if (rules.failureRatePercent() == null) {
            return;
        }
        Deque<Sample> samples = attempts.computeIfAbsent(endpoint, e -> new ArrayDeque<>());
        samples.addLast(new Sample(now, webhookMetrics.attempts(endpoint, "success"),
                webhookMetrics.attempts(endpoint, "failure")));
        while (samples.size() > 1 && samples.peekFirst().atMillis() < now - rules.failureRateWindow().toMillis()) {
            samples.pollFirst();
        }
        Sample first = samples.peekFirst();
        Sample last = samples.peekLast();
        double failed = last.b() - first.b();
        double total = failed + last.a() - first.a();
        double percent = total == 0 ? 0 : 100.0 * failed / total;
        boolean firing = total >= rules.failureRateMinAttempts() && percent >= rules.failureRatePercent();
        findings.add(new Finding(FAILURE_RATE, endpoint, firing, Math.round(percent * 10) / 10.0,
                rules.failureRatePercent(), String.format("%.1f %% of %d webhook attempts to %s failed in the last %s",
                percent, (long) total, endpoint, human(rules.failureRateWindow()))));
    }

    private void circuitOpen(List<Finding> findings, String endpoint, long now) {
        if (rules.circuitOpenFor() == null) {
            return;
        }
        String state = workers.circuitState(endpoint);
        if (workers.circuitClosed(endpoint)) {
            circuitNotClosedSince.remove(endpoint);
        } else {
            circuitNotClosedSince.putIfAbsent(endpoint, now);
        }
        long openMillis = now - circuitNotClosedSince.getOrDefault(endpoint, now);
        findings.add(new Finding(CIRCUIT_OPEN, endpoint, openMillis >= rules.circuitOpenFor().toMillis(),
                openMillis / 1000.0, rules.circuitOpenFor().toSeconds(),
                "the circuit of webhook endpoint " + endpoint + " has been " + state + " for " + openMillis / 1000
                        + " s"));
    }

    private void devicesDrop(List<Finding> findings, long now) {
        if (rules.devicesDropPercent() == null) {
            return;
        }
        double current = metrics.onlineDevices();
        online.addLast(new Sample(now, current, 0));
        while (online.peekFirst().atMillis() < now - rules.devicesDropWindow().toMillis()) {
            online.pollFirst();
        }
        double highest = online.stream().mapToDouble(Sample::a).max().orElse(current);
        double percent = highest == 0 ? 0 : 100.0 * (highest - current) / highest;
        boolean firing = highest >= rules.devicesDropMinimum() && percent >= rules.devicesDropPercent();
        findings.add(new Finding(DEVICES_DROP, null, firing, Math.round(percent * 10) / 10.0,
                rules.devicesDropPercent(), String.format("%d devices online, %d at most within the last %s (%.1f %% fewer)",
                (long) current, (long) highest, human(rules.devicesDropWindow()), percent)));
    }

    private void auditLag(List<Finding> findings) {
        long lagMillis = metrics.auditLagMillis();
        if (rules.auditLag() == null || lagMillis < 0) {
            return;
        }
        findings.add(new Finding(AUDIT_LAG, null, lagMillis > rules.auditLag().toMillis(), lagMillis / 1000.0,
                rules.auditLag().toSeconds(), "the audit is " + lagMillis / 1000 + " s behind the journal (more than "
                        + rules.auditLag().toSeconds() + " s)"));
    }

    // ---- firing and resolving -------------------------------------------------------------------------------

    /** True when this alert fired within the silence window, on this node or (through Redis) on another. */
    private boolean silenced(String key, long now) {
        Long last = lastFired.get(key);
        boolean recentHere = last != null && now - last < rules.silence().toMillis();
        lastFired.put(key, now);
        try {
            String set = redis.client().set(prefix + "silence:" + key, node,
                    SetParams.setParams().nx().px(rules.silence().toMillis()));
            return set == null;
        } catch (RuntimeException e) {
            return recentHere;
        }
    }

    private void announce(Finding finding, String state, boolean send, long sinceMillis, long now) {
        Counter.builder("gateway.alerts").tag("rule", finding.rule()).tag("state", send ? state : "silenced")
                .description("alerts that started (firing) or ended (resolved); silenced: within the silence window")
                .register(meters).increment();
        if (!send) {
            LOG.info("ALERT {} {} (silenced: it fired within {}): {}", state, finding.key(), human(rules.silence()),
                    finding.message());
            return;
        }
        if ("firing".equals(state)) {
            LOG.warn("ALERT firing {}: {}", finding.key(), finding.message());
        } else {
            LOG.info("ALERT resolved {}: {}", finding.key(), finding.message());
        }
        Map<String, Object> alert = describe(finding, state, sinceMillis, now);
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("event_id", UUID.randomUUID().toString());
        payload.put("event_type", "alert_" + state);
        // receivers written from the contract refuse an event without device_id: an alert's device is the gateway
        // node that raised it (data.subject names the endpoint an endpoint rule is about)
        payload.put("device_id", node);
        payload.put("timestamp", now / 1000);
        payload.put("data", alert);
        String body = EventJson.writeValue(payload);
        try (AbstractPipeline p = redis.pipelined()) {
            p.lpush(prefix + "recent", EventJson.writeValue(alert));
            p.ltrim(prefix + "recent", 0, RECENT - 1);
            for (String endpoint : rules.endpoints()) {
                outbox.enqueue(p, endpoint, QUEUE, now * 1000, body);
            }
            RedisConnection.syncOrThrow(p);
            workers.wakeUp();
        } catch (RuntimeException e) {
            LOG.error("ALERT {} {} could not be queued for {} (Redis: {}); it is only in this log", state,
                    finding.key(), rules.endpoints(), e.getMessage());
        }
    }

    /** 5m, 1h30m, 10s */
    private static String human(java.time.Duration duration) {
        return duration.toString().substring(2).toLowerCase();
    }

    private Map<String, Object> describe(Finding finding, String state, long sinceMillis, long now) {
        Map<String, Object> alert = new LinkedHashMap<>();
        alert.put("rule", finding.rule());
        alert.put("subject", finding.subject());
        alert.put("state", state);
        alert.put("value", finding.value());
        alert.put("threshold", finding.threshold());
        alert.put("message", finding.message());
        alert.put("node", node);
        alert.put("started_at", sinceMillis / 1000);
        alert.put("at", now / 1000);
        return alert;
    }
}
