package ap3000.gateway.api;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

import org.apache.camel.BeanInject;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.camel.spi.Registry;

import io.micrometer.core.instrument.MeterRegistry;

import ap3000.gateway.audit.AuditStore;
import ap3000.gateway.audit.FrameLog;
import ap3000.gateway.audit.HeartbeatSummaries;
import ap3000.gateway.billing.Tariffs;
import ap3000.gateway.device.DeviceOwnership;
import ap3000.gateway.device.DeviceRegistry;
import ap3000.gateway.device.Downlink;
import ap3000.gateway.event.EventJournal;
import ap3000.gateway.notify.WebhookEndpoints;
import ap3000.gateway.notify.WebhookMetrics;
import ap3000.gateway.notify.WebhookOutbox;
import ap3000.gateway.notify.WebhookWorkers;
import ap3000.gateway.ops.Alerts;
import ap3000.gateway.ops.GatewayMetrics;
import ap3000.gateway.protocol.ProtocolErrors;
import ap3000.gateway.redis.RedisConnection;

/**
 * The HTTP API under /api/v1: the key guard on the HTTP server, the beans of the REST routes, and the node-to-node
 * requests that answer for a device held by another node.
 */
public class ApiWiring {

    @BeanInject("redis")
    RedisConnection redis;
    @BeanInject("clock")
    Clock clock;
    @BeanInject("nodeId")
    String nodeId;
    @BeanInject(MicrometerConstants.METRICS_REGISTRY_NAME)
    MeterRegistry meters;
    @BeanInject("deviceRegistry")
    DeviceRegistry devices;
    @BeanInject("downlink")
    Downlink downlink;
    @BeanInject("deviceOwnership")
    DeviceOwnership ownership;
    @BeanInject("eventJournal")
    EventJournal journal;
    @BeanInject("protocolErrors")
    ProtocolErrors protocolErrors;
    @BeanInject("auditStore")
    AuditStore auditStore;
    @BeanInject("frameLog")
    FrameLog frameLog;
    @BeanInject("heartbeatSummaries")
    HeartbeatSummaries heartbeats;
    @BeanInject("webhookEndpoints")
    WebhookEndpoints endpoints;
    @BeanInject("webhookOutbox")
    WebhookOutbox outbox;
    @BeanInject("webhookWorkers")
    WebhookWorkers workers;
    @BeanInject("webhookMetrics")
    WebhookMetrics webhookMetrics;
    @BeanInject("gatewayMetrics")
    GatewayMetrics gatewayMetrics;
    @BeanInject("alerts")
    Alerts alerts;
    @BeanInject("tariffs")
    Tariffs tariffs;
    @PropertyInject("camel.rest.context-path")
    String contextPath;
    @PropertyInject("camel.server.port")
    int httpPort;
    @PropertyInject(value = "gateway.api.keys", defaultValue = "")
    String apiKeys;
    @PropertyInject("gateway.api.open")
    boolean open;
    @PropertyInject("gateway.api.max-body")
    long maxBody;
    @PropertyInject("gateway.data-dir")
    String dataDir;
    @PropertyInject("gateway.downlink.ack-timeout")
    Duration ackTimeout;
    @PropertyInject("gateway.downlink.answer-margin")
    Duration answerMargin;
    @PropertyInject(value = ClusterSecret.KEY, defaultValue = "")
    String clusterSecret;
    @PropertyInject(value = ClusterSecret.PREVIOUS_KEY, defaultValue = "")
    String previousClusterSecret;
    @PropertyInject(value = "gateway.redis.url", defaultValue = "")
    String redisUrl;
    @PropertyInject("gateway.api.notifications.recent")
    int recentNotifications;
    @PropertyInject(value = "gateway.api.public-url", defaultValue = "")
    String publicUrl;

    public void wire(CamelContext context) throws Exception {
        Registry registry = context.getRegistry();
        registry.bind("apiSupport", new ApiSupport());
        ApiGuard.fromConfiguration(contextPath, httpPort, apiKeys, open, Path.of(dataDir), maxBody).protect(context);
        NotificationFeed feed = new NotificationFeed(context, redis, journal.shards().streams(), recentNotifications);
        context.addService(feed, true, true);
        registry.bind("notificationFeed", feed);
        new NotificationStream(feed, contextPath, httpPort).attach(context);
        registry.bind("openApiDocument", new OpenApiDocument(contextPath, publicUrl));
        registry.bind("apiExplorer", new ApiExplorer(contextPath));
        // a synchronous call waits for the ack of the command and of its one resend, and a margin
        Duration answerWithin = ackTimeout.multipliedBy(2).plus(answerMargin);
        registry.bind("chargingApi", new ChargingApi(devices, downlink, answerWithin, tariffs, clock));
        registry.bind("deviceApi", new DeviceApi(devices, downlink, journal, protocolErrors, answerWithin, nodeId,
                clock));
        registry.bind("auditApi", new AuditApi(auditStore, frameLog, heartbeats, clock));
        registry.bind("notificationsApi", new NotificationsApi(endpoints, outbox, workers, webhookMetrics, clock));
        registry.bind("opsApi", new OpsApi(nodeId, clock, devices, journal, gatewayMetrics, alerts));
        NodeMessageSigner signer = new NodeMessageSigner(ClusterSecret.resolve(clusterSecret, Path.of(dataDir),
                !redisUrl.isBlank() || redis.usesSentinel() || redis.usesCluster()), previousClusterSecret);
        RemoteDevices remote = new RemoteDevices(context, redis, ownership, downlink, answerWithin, signer,
                new NodeRequestRefusals(meters), clock);
        context.addService(remote, true, true);
        registry.bind("remoteDevices", remote);
    }
}
