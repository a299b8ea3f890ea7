package ap3000.gateway.device;

import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;

import org.apache.camel.BeanInject;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.apache.camel.spi.Registry;

import ap3000.gateway.audit.FrameLog;
import ap3000.gateway.audit.HeartbeatSummaries;
import ap3000.gateway.billing.Tariffs;
import ap3000.gateway.event.EventPublisher;
import ap3000.gateway.event.EventType;
import ap3000.gateway.notify.WebhookEndpoints;
import ap3000.gateway.protocol.DnyFrameEncoder;
import ap3000.gateway.protocol.FrameCounts;
import ap3000.gateway.protocol.FrameTap;
import ap3000.gateway.protocol.ProtocolErrors;
import ap3000.gateway.redis.RedisConnection;

/**
 * The device side: the codec's handlers for the netty consumer, the registry of connections and devices, the
 * downlink that sends commands, device ownership across nodes, and the ingress steps the device-ingress route calls.
 */
public class DeviceWiring {

    @BeanInject("redis")
    RedisConnection redis;
    @BeanInject("clock")
    Clock clock;
    @BeanInject("nodeId")
    String nodeId;
    @BeanInject("frameLog")
    FrameLog frameLog;
    @BeanInject("heartbeatSummaries")
    HeartbeatSummaries heartbeats;
    @BeanInject("webhookEndpoints")
    WebhookEndpoints endpoints;
    @PropertyInject("audit.enabled")
    boolean auditEnabled;
    @PropertyInject("gateway.protocol.error-log-interval")
    Duration errorLogInterval;
    @PropertyInject("gateway.tcp.max-connections-per-address")
    int maxConnectionsPerAddress;
    @PropertyInject("gateway.tcp.frame-timeout")
    Duration frameTimeout;
    @PropertyInject("gateway.tcp.read-idle")
    Duration readIdle;
    @PropertyInject("gateway.tcp.identify-timeout")
    Duration identifyTimeout;
    @PropertyInject("gateway.timezone")
    String timezone;
    @PropertyInject("gateway.downlink.ack-timeout")
    Duration ackTimeout;
    @PropertyInject("gateway.downlink.min-gap")
    Duration minGap;
    @PropertyInject("gateway.device.offline-after")
    Duration offlineAfter;
    @PropertyInject("gateway.device.card-swipe-account-status")
    int cardSwipeAccountStatus;
    @PropertyInject("gateway.device.profile-ttl")
    Duration profileTtl;
    @PropertyInject("gateway.device.heartbeat-period")
    Duration heartbeatPeriod;
    @PropertyInject(value = "gateway.tariff.default", defaultValue = "")
    String defaultTariff;
    @PropertyInject(value = "gateway.tariff.per-device", defaultValue = "")
    String perDeviceTariffs;
    @PropertyInject("gateway.tariff.order-price-ttl")
    Duration orderPriceTtl;

    public void wire(CamelContext context) throws Exception {
        Registry registry = context.getRegistry();
        ProtocolErrors protocolErrors = new ProtocolErrors(errorLogInterval.toMillis());
        registry.bind("protocolErrors", protocolErrors);
        FrameCounts frames = new FrameCounts();
        registry.bind("frameCounts", frames);
        FrameTap frameTap = auditEnabled ? frameLog : FrameTap.NONE;
        DeviceRegistry devices = new DeviceRegistry();
        registry.bind("deviceRegistry", devices);
        registry.bind("connectionLimit", new ConnectionsPerAddress(maxConnectionsPerAddress,
                errorLogInterval.toMillis()));
        registry.bind("frameDecoder", new DeviceChannelHandlers.FrameDecoderFactory(protocolErrors, frames, frameTap,
                frameTimeout));
        registry.bind("frameEncoder", new DnyFrameEncoder(frames, frameTap));
        registry.bind("connectionHandler", new DeviceChannelHandlers.ConnectionHandlerFactory(devices, clock,
                readIdle.toSeconds(), identifyTimeout.toSeconds()));

        DeviceEvents events = new DeviceEvents(clock, ZoneId.of(timezone), nodeId);
        Downlink downlink = new Downlink(context.getExecutorServiceManager(), devices, ackTimeout, minGap);
        context.addService(downlink, true, true);
        ChargeCommandEvents.attach(downlink, events, new EventPublisher(context.createProducerTemplate()));
        registry.bind("downlink", downlink);
        DeviceOwnership ownership = new DeviceOwnership(redis, nodeId, offlineAfter);
        registry.bind("deviceOwnership", ownership);
        // the settlement's fees; a price sent with a start request is kept here for its order
        Tariffs tariffs = new Tariffs(Tariffs.parseDefault(defaultTariff), Tariffs.parsePerDevice(perDeviceTariffs),
                redis, orderPriceTtl, ZoneId.of(timezone));
        registry.bind("tariffs", tariffs);
        // an unchanged heartbeat is journaled only when an endpoint wants it
        registry.bind("deviceIngress", new DeviceIngress(devices, events, downlink, ownership, clock,
                cardSwipeAccountStatus, offlineAfter, heartbeats,
                endpoints.subscribed(EventType.DEVICE_HEARTBEAT, EventType.HOST_HEARTBEAT), tariffs,
                new DeviceProfiles(redis, profileTtl), heartbeatPeriod));
    }
}
