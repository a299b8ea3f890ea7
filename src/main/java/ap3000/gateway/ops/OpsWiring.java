package ap3000.gateway.ops;

import java.time.Clock;
import java.time.Duration;

import org.apache.camel.BeanInject;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.camel.spi.Registry;

import io.micrometer.core.instrument.MeterRegistry;

import ap3000.gateway.audit.AuditEntry;
import ap3000.gateway.device.ConnectionsPerAddress;
import ap3000.gateway.device.DeviceRegistry;
import ap3000.gateway.device.Downlink;
import ap3000.gateway.event.EventJournal;
import ap3000.gateway.event.ShardedJournalReader;
import ap3000.gateway.notify.WebhookEndpoints;
import ap3000.gateway.notify.WebhookMetrics;
import ap3000.gateway.notify.WebhookOutbox;
import ap3000.gateway.notify.WebhookWorkers;
import ap3000.gateway.protocol.FrameCounts;
import ap3000.gateway.protocol.ProtocolErrors;
import ap3000.gateway.redis.RedisConnection;

/** What operators watch: the gateway's metrics, the alert rules, the health checks, the status page and console. */
public class OpsWiring {

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
    @BeanInject("frameCounts")
    FrameCounts frames;
    @BeanInject("protocolErrors")
    ProtocolErrors protocolErrors;
    @BeanInject("connectionLimit")
    ConnectionsPerAddress connectionLimit;
    @BeanInject("eventJournal")
    EventJournal journal;
    @BeanInject("downlink")
    Downlink downlink;
    @BeanInject("auditReader")
    ShardedJournalReader<AuditEntry> auditReader;
    @BeanInject("webhookEndpoints")
    WebhookEndpoints endpoints;
    @BeanInject("webhookOutbox")
    WebhookOutbox outbox;
    @BeanInject("webhookWorkers")
    WebhookWorkers workers;
    @BeanInject("webhookMetrics")
    WebhookMetrics webhookMetrics;
    @PropertyInject("alerts.prefix")
    String alertsPrefix;
    @PropertyInject("gateway.tcp.host")
    String tcpHost;
    @PropertyInject("gateway.tcp.port")
    int tcpPort;
    @PropertyInject("ops.health.audit-lag-max")
    Duration auditLagMax;
    @PropertyInject("audit.enabled")
    boolean auditEnabled;

    public void wire(CamelContext context) throws Exception {
        Registry registry = context.getRegistry();
        GatewayMetrics metrics = new GatewayMetrics(meters, devices, frames, protocolErrors, connectionLimit, journal,
                downlink, auditReader, clock);
        registry.bind("gatewayMetrics", metrics);
        // a rule whose threshold is set empty is off
        registry.bind("alerts", new Alerts(AlertRules.read(key -> context.getPropertiesComponent().resolveProperty(key)
                .filter(v -> !v.isBlank())), redis, alertsPrefix, nodeId, clock, meters, endpoints, outbox, workers,
                metrics, webhookMetrics));
        registry.bind("redisHealthCheck", new RedisHealthCheck(redis));
        registry.bind("deviceListenerHealthCheck", new DeviceListenerHealthCheck(context, "device-ingress",
                tcpHost + ":" + tcpPort));
        registry.bind("auditLagHealthCheck", new AuditLagHealthCheck(metrics, auditLagMax, auditEnabled));
        registry.bind("webhookCircuitsHealthCheck", new WebhookCircuitsHealthCheck(endpoints, workers));
        registry.bind("statusPage", new StatusPage());
        registry.bind("consoleAssets", new ConsoleAssets());
    }
}
