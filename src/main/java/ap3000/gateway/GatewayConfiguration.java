package ap3000.gateway;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.spi.Registry;
import org.apache.camel.support.SimpleEventNotifierSupport;
import org.apache.camel.util.TimeUtils;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import ap3000.gateway.api.ApiGuard;
import ap3000.gateway.api.ApiSupport;
import ap3000.gateway.api.AuditApi;
import ap3000.gateway.api.ChargingApi;
import ap3000.gateway.api.ClusterSecret;
import ap3000.gateway.api.DeviceApi;
import ap3000.gateway.api.NodeMessageSigner;
import ap3000.gateway.api.NodeRequestRefusals;
import ap3000.gateway.api.NotificationsApi;
import ap3000.gateway.api.OpsApi;
import ap3000.gateway.api.RemoteDevices;
import ap3000.gateway.audit.AuditEntry;
import ap3000.gateway.audit.AuditStore;
import ap3000.gateway.audit.FrameLog;
import ap3000.gateway.audit.HeartbeatSummaries;
import ap3000.gateway.device.ChargeRequest;
import ap3000.gateway.device.ConnectionsPerAddress;
import ap3000.gateway.device.DeviceChannelHandlers;
import ap3000.gateway.device.DeviceEvents;
import ap3000.gateway.device.DeviceIngress;
import ap3000.gateway.device.DeviceOwnership;
import ap3000.gateway.device.DeviceRegistry;
import ap3000.gateway.device.Downlink;
import ap3000.gateway.event.EventBatch;
import ap3000.gateway.event.EventJournal;
import ap3000.gateway.event.EventPublisher;
import ap3000.gateway.event.EventType;
import ap3000.gateway.event.JournalReader;
import ap3000.gateway.event.NonEmptyBatch;
import ap3000.gateway.notify.RetrySchedule;
import ap3000.gateway.notify.WebhookAttemptLog;
import ap3000.gateway.notify.WebhookDelivery;
import ap3000.gateway.notify.WebhookEndpoints;
import ap3000.gateway.notify.WebhookFanOut;
import ap3000.gateway.notify.WebhookMetrics;
import ap3000.gateway.notify.WebhookOutbox;
import ap3000.gateway.notify.WebhookWorkers;
import ap3000.gateway.ops.AlertRules;
import ap3000.gateway.ops.Alerts;
import ap3000.gateway.ops.AuditLagHealthCheck;
import ap3000.gateway.ops.ConsoleAssets;
import ap3000.gateway.ops.DeviceListenerHealthCheck;
import ap3000.gateway.ops.GatewayMetrics;
import ap3000.gateway.ops.RedisHealthCheck;
import ap3000.gateway.ops.StatusPage;
import ap3000.gateway.ops.WebhookCircuitsHealthCheck;
import ap3000.gateway.protocol.DnyFrameEncoder;
import ap3000.gateway.protocol.FrameCounts;
import ap3000.gateway.protocol.FrameTap;
import ap3000.gateway.protocol.ProtocolErrors;
import ap3000.gateway.redis.RedisConnection;
import ap3000.gateway.redis.SentinelSettings;

/**
 * Builds the gateway's beans from configuration and binds them for the YAML routes. Every value is read
 * through the properties component, so an environment variable ({@code GATEWAY_TCP_PORT}) overrides
 * {@code application.properties} ({@code gateway.tcp.port}) even for keys the file does not define.
 */
public class GatewayConfiguration implements CamelConfiguration {

    @Override
    public void configure(CamelContext context) throws Exception {
        PropertiesComponent properties = context.getPropertiesComponent();
        Registry registry = context.getRegistry();
        Clock clock = Clock.systemUTC();

        RedisConnection redis = new RedisConnection(
                optional(properties, "gateway.redis.url", ""),
                Path.of(required(properties, "gateway.data-dir")),
                Integer.parseInt(required(properties, "gateway.redis.embedded-port")),
                required(properties, "gateway.redis.appendfsync"),
                Duration.ofMillis(Long.parseLong(required(properties, "gateway.redis.timeout-ms"))),
                Integer.parseInt(required(properties, "gateway.redis.pool-size")));
        SentinelSettings sentinel = SentinelSettings.parse(optional(properties, "gateway.redis.sentinel.master", ""),
                optional(properties, "gateway.redis.sentinel.nodes", ""),
                optional(properties, "gateway.redis.user", ""), optional(properties, "gateway.redis.password", ""),
                optional(properties, "gateway.redis.sentinel.password", ""),
                Boolean.parseBoolean(optional(properties, "gateway.redis.sentinel.tls", "false")));
        redis.sentinel(sentinel).replicaAcks(RedisConnection.ReplicaAcks.resolve(
                optional(properties, "gateway.redis.min-replicas-acked", ""), sentinel != null,
                duration(properties, "gateway.redis.replica-ack-timeout"),
                Duration.ofMillis(Long.parseLong(required(properties, "gateway.redis.timeout-ms")))));
        // started here, before any route, and stopped by the context after the routes
        context.addService(redis, true, true);
        registry.bind("redis", redis);

        EventJournal journal = new EventJournal(redis,
                required(properties, "gateway.events.stream"),
                Long.parseLong(required(properties, "gateway.events.max-length")),
                Duration.ofHours(Long.parseLong(required(properties, "gateway.events.settled-order-ttl-hours")))
                        .toSeconds(),
                Integer.parseInt(required(properties, "gateway.events.backlog-limit")),
                Integer.parseInt(required(properties, "gateway.events.queue-limit")),
                Integer.parseInt(required(properties, "gateway.events.writers")),
                duration(properties, "gateway.events.trim-interval"));
        // started after Redis and stopped before it: the writer flushes what is queued on the way out
        context.addService(journal, true, true);
        registry.bind("eventJournal", journal);
        registry.bind("nonEmptyBatch", new NonEmptyBatch());

        long errorLogInterval = Long.parseLong(required(properties, "gateway.protocol.error-log-interval-ms"));
        ProtocolErrors protocolErrors = new ProtocolErrors(errorLogInterval);
        registry.bind("protocolErrors", protocolErrors);
        FrameCounts frames = new FrameCounts();
        MeterRegistry meters = meterRegistry(registry);
        FrameLog frameLog = new FrameLog(redis, required(properties, "audit.prefix"),
                duration(properties, "audit.ttl.frames"),
                Integer.parseInt(required(properties, "audit.frames.buffer-limit")), clock, meters);
        // after Redis, so that it is stopped before Redis and writes what is left on the way out
        context.addService(frameLog, true, true);
        registry.bind("frameLog", frameLog);
        FrameTap frameTap = Boolean.parseBoolean(required(properties, "audit.enabled")) ? frameLog : FrameTap.NONE;

        DeviceRegistry devices = new DeviceRegistry();
        registry.bind("deviceRegistry", devices);
        ConnectionsPerAddress connectionLimit = new ConnectionsPerAddress(
                Integer.parseInt(required(properties, "gateway.tcp.max-connections-per-address")), errorLogInterval);
        registry.bind("connectionLimit", connectionLimit);
        registry.bind("frameDecoder", new DeviceChannelHandlers.FrameDecoderFactory(protocolErrors, frames,
                frameTap, duration(properties, "gateway.tcp.frame-timeout")));
        registry.bind("frameEncoder", new DnyFrameEncoder(frames, frameTap));
        registry.bind("connectionHandler", new DeviceChannelHandlers.ConnectionHandlerFactory(devices, clock,
                Long.parseLong(required(properties, "gateway.tcp.read-idle-seconds")),
                Long.parseLong(required(properties, "gateway.tcp.identify-timeout-seconds"))));

        String nodeId = nodeId(optional(properties, "gateway.node-id", ""));
        DeviceEvents events = new DeviceEvents(clock, ZoneId.of(required(properties, "gateway.timezone")), nodeId);
        Downlink downlink = new Downlink(devices, duration(properties, "gateway.downlink.ack-timeout"),
                duration(properties, "gateway.downlink.min-gap"));
        context.addService(downlink, true, true);
        EventPublisher publisher = new EventPublisher(context.createProducerTemplate());
        downlink.onTimeout(outcome -> {
            if (outcome.context() instanceof ChargeRequest request) {
                publisher.publish(EventBatch.of(List.of(events.chargeNoResponse(outcome.command(), request,
                        outcome.attempts()))));
            }
        });
        // before the frame goes out, queued without waiting for Redis: in the journal ahead of the device's answer
        downlink.onSending(sending -> {
            if (sending.context() instanceof ChargeRequest request) {
                publisher.publish(EventBatch.telemetry(List.of(events.chargeCommand(sending.command(), request,
                        sending.attempt(), sending.connection()))));
            }
        });
        registry.bind("downlink", downlink);
        Duration offlineAfter = Duration.ofSeconds(Long.parseLong(required(properties,
                "gateway.device.offline-after-seconds")));
        DeviceOwnership ownership = new DeviceOwnership(redis, nodeId, offlineAfter);
        registry.bind("deviceOwnership", ownership);
        HeartbeatSummaries heartbeats = new HeartbeatSummaries(redis, required(properties, "audit.prefix"),
                duration(properties, "audit.ttl.events").toSeconds(),
                Boolean.parseBoolean(required(properties, "audit.enabled")),
                Integer.parseInt(required(properties, "audit.heartbeats.max-devices")),
                Integer.parseInt(required(properties, "audit.heartbeats.max-pending-hours")), meters);
        // stopped before Redis: the last accumulated hours are written on the way out
        context.addService(heartbeats, true, true);
        registry.bind("heartbeatSummaries", heartbeats);
        WebhookEndpoints endpoints = WebhookEndpoints.read(properties);
        // decided once at start: an unchanged heartbeat is journaled only for an endpoint that wants it
        Set<String> journaledHeartbeats = Stream.of(EventType.DEVICE_HEARTBEAT, EventType.HOST_HEARTBEAT)
                .map(EventType::wireName)
                .filter(type -> endpoints.all().stream().anyMatch(endpoint -> endpoint.subscribes(type)))
                .collect(Collectors.toSet());
        registry.bind("deviceIngress", new DeviceIngress(devices, events, downlink, ownership, clock,
                Integer.parseInt(required(properties, "gateway.device.card-swipe-account-status")), offlineAfter,
                heartbeats, journaledHeartbeats));

        AuditStore auditStore = new AuditStore(redis, required(properties, "audit.prefix"),
                duration(properties, "audit.ttl.events"), duration(properties, "audit.ttl.sessions"),
                duration(properties, "audit.ttl.sessions"), meters);
        registry.bind("auditStore", auditStore);
        JournalReader<AuditEntry> auditReader = new JournalReader<>(redis,
                required(properties, "gateway.events.stream"), "audit", nodeId,
                Integer.parseInt(required(properties, "audit.batch-size")),
                duration(properties, "audit.flush-interval"), duration(properties, "audit.claim-idle"),
                AuditEntry::fromJournal)
                .countOnAck(new JournalReader.AckCounts<>(auditStore::countsKey, AuditEntry::countedType,
                        auditStore.eventsTtlSeconds()));
        registry.bind("auditReader", auditReader);

        WebhookOutbox outbox = new WebhookOutbox(redis, required(properties, "notify.prefix"),
                duration(properties, "notify.lease"), duration(properties, "audit.ttl.notifications"), clock);
        WebhookMetrics webhookMetrics = new WebhookMetrics(meters);
        WebhookWorkers workers = configureWebhooks(context, properties, redis, nodeId, clock, endpoints, outbox,
                webhookMetrics);

        GatewayMetrics gatewayMetrics = new GatewayMetrics(meters, devices, frames, protocolErrors, connectionLimit,
                journal, downlink, auditReader);
        registry.bind("gatewayMetrics", gatewayMetrics);
        Alerts alerts = new Alerts(AlertRules.read(key -> properties.resolveProperty(key).filter(v -> !v.isBlank())),
                redis, required(properties, "alerts.prefix"), nodeId, clock, meters, endpoints, outbox, workers,
                gatewayMetrics, webhookMetrics);
        registry.bind("alerts", alerts);
        registry.bind("redisHealthCheck", new RedisHealthCheck(redis));
        registry.bind("deviceListenerHealthCheck", new DeviceListenerHealthCheck(context, "device-ingress",
                required(properties, "gateway.tcp.host") + ":" + required(properties, "gateway.tcp.port")));
        registry.bind("auditLagHealthCheck", new AuditLagHealthCheck(gatewayMetrics,
                duration(properties, "ops.health.audit-lag-max"),
                Boolean.parseBoolean(required(properties, "audit.enabled"))));
        registry.bind("webhookCircuitsHealthCheck", new WebhookCircuitsHealthCheck(endpoints, workers));
        registry.bind("statusPage", new StatusPage());
        registry.bind("consoleAssets", new ConsoleAssets());
        registry.bind("opsApi", new OpsApi(nodeId, clock, devices, journal, gatewayMetrics, alerts));

        registry.bind("apiSupport", new ApiSupport());
        ApiGuard guard = ApiGuard.fromConfiguration(required(properties, "camel.rest.context-path"),
                Integer.parseInt(required(properties, "camel.server.port")),
                optional(properties, "gateway.api.keys", ""),
                Boolean.parseBoolean(required(properties, "gateway.api.open")),
                Path.of(required(properties, "gateway.data-dir")),
                Long.parseLong(required(properties, "gateway.api.max-body")));
        // on the HTTP server once it exists and before any route takes requests; the start fails without it
        context.getManagementStrategy().addEventNotifier(new SimpleEventNotifierSupport() {
            @Override
            public void notify(CamelEvent event) {
                if (event instanceof CamelEvent.CamelContextRoutesStartingEvent) {
                    guard.install(context);
                }
            }
        });
        context.addStartupListener(guard);
        registry.bind("auditApi", new AuditApi(auditStore, frameLog, heartbeats, clock));
        Duration answerWithin = duration(properties, "gateway.downlink.ack-timeout").multipliedBy(2)
                .plus(duration(properties, "gateway.downlink.answer-margin"));
        registry.bind("chargingApi", new ChargingApi(devices, downlink, answerWithin));
        registry.bind("deviceApi", new DeviceApi(devices, downlink, journal, protocolErrors, answerWithin));
        NodeMessageSigner nodeSigner = new NodeMessageSigner(ClusterSecret.resolve(
                optional(properties, ClusterSecret.KEY, ""), Path.of(required(properties, "gateway.data-dir")),
                !optional(properties, "gateway.redis.url", "").isBlank() || redis.usesSentinel()),
                optional(properties, ClusterSecret.PREVIOUS_KEY, ""));
        RemoteDevices remote = new RemoteDevices(context, redis, ownership, downlink, answerWithin, nodeSigner,
                new NodeRequestRefusals(meters));
        context.addService(remote, true, true);
        registry.bind("remoteDevices", remote);
    }

    /** The outbox's fan-out from the journal, the delivery workers and the beans of the delivery routes. */
    private static WebhookWorkers configureWebhooks(CamelContext context, PropertiesComponent properties,
                                                    RedisConnection redis, String nodeId, Clock clock,
                                                    WebhookEndpoints endpoints, WebhookOutbox outbox,
                                                    WebhookMetrics metrics) throws Exception {
        Registry registry = context.getRegistry();
        // Camel makes one webhook-<name> route per endpoint from the webhook-call template with this source
        registry.bind("webhookEndpoints", endpoints);
        String prefix = required(properties, "notify.prefix");
        registry.bind("webhookOutbox", outbox);
        WebhookWorkers workers = new WebhookWorkers(context, endpoints, outbox,
                Integer.parseInt(required(properties, "notify.workers-per-endpoint")),
                duration(properties, "notify.poll-interval"), workersStopWait(context, properties));
        context.addService(workers, true, true);
        registry.bind("webhookWorkers", workers);
        // the workers stop first, while the delivery routes still run, so the event in hand is finished
        context.getManagementStrategy().addEventNotifier(new SimpleEventNotifierSupport() {
            @Override
            public void notify(CamelEvent event) throws Exception {
                if (event instanceof CamelEvent.CamelContextStoppingEvent) {
                    workers.stopWorkers();
                }
            }
        });
        WebhookFanOut fanOut = new WebhookFanOut(redis, required(properties, "gateway.events.stream"), prefix,
                nodeId, Integer.parseInt(required(properties, "notify.fan-out.batch-size")),
                duration(properties, "notify.fan-out.flush-interval"), duration(properties, "notify.lease"), outbox,
                endpoints, workers);
        // a service added after Redis is stopped after the routes and before Redis: it hands its lease back then
        context.addService(fanOut, true, true);
        registry.bind("webhookFanOut", fanOut);
        WebhookDelivery delivery = new WebhookDelivery(endpoints, outbox,
                RetrySchedule.parse(required(properties, "notify.retry.schedule"),
                        Double.parseDouble(required(properties, "notify.retry.jitter"))),
                duration(properties, "notify.retry-after-max"), clock, metrics);
        registry.bind("webhookDelivery", delivery);
        registry.bind("notificationsApi", new NotificationsApi(endpoints, outbox, workers, metrics, clock));
        metrics.watch(endpoints, workers, outbox);
        context.getManagementStrategy().addEventNotifier(new WebhookAttemptLog(redis, outbox, nodeId, metrics));
        return workers;
    }

    /**
     * Splits {@code gateway.shutdown-timeout} between the two stages of a stop, so that the whole stop fits in it:
     * first the webhook workers finish the request in hand ({@code notify.stop-wait}, at most half the budget), then
     * Camel's graceful shutdown of the routes gets the rest.
     */
    private static Duration workersStopWait(CamelContext context, PropertiesComponent properties) {
        Duration budget = Duration.ofSeconds(Long.parseLong(required(properties, "gateway.shutdown-timeout")));
        Duration workers = duration(properties, "notify.stop-wait");
        if (workers.compareTo(budget.dividedBy(2)) > 0) {
            workers = budget.dividedBy(2);
        }
        context.getShutdownStrategy().setTimeUnit(TimeUnit.MILLISECONDS);
        context.getShutdownStrategy().setTimeout(budget.minus(workers).toMillis());
        return workers;
    }

    /**
     * The one meter registry, served at /observe/metrics: Camel's Prometheus support creates it under this name (or
     * takes one found there), whichever of the two comes first.
     */
    private static MeterRegistry meterRegistry(Registry registry) {
        MeterRegistry found = registry.lookupByNameAndType(MicrometerConstants.METRICS_REGISTRY_NAME,
                MeterRegistry.class);
        if (found != null) {
            return found;
        }
        PrometheusMeterRegistry created = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.bind(MicrometerConstants.METRICS_REGISTRY_NAME, created);
        return created;
    }

    /** Durations as Camel writes them: "1s", "500ms", "168h". */
    private static Duration duration(PropertiesComponent properties, String key) {
        return TimeUtils.toDuration(required(properties, key));
    }

    /** The node's name on events: the configured one, or host name and process ID. */
    private static String nodeId(String configured) {
        if (!configured.isBlank()) {
            return configured;
        }
        try {
            return InetAddress.getLocalHost().getHostName() + "-" + ProcessHandle.current().pid();
        } catch (UnknownHostException e) {
            return "gateway-" + ProcessHandle.current().pid();
        }
    }

    private static String required(PropertiesComponent properties, String key) {
        return properties.resolveProperty(key)
                .orElseThrow(() -> new IllegalStateException("Missing configuration: " + key));
    }

    private static String optional(PropertiesComponent properties, String key, String fallback) {
        return properties.resolveProperty(key).orElse(fallback);
    }
}
