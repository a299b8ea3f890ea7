package ap3000.gateway;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;

import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.camel.spi.Registry;
import org.apache.camel.support.PluginHelper;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import ap3000.gateway.api.ApiWiring;
import ap3000.gateway.audit.AuditWiring;
import ap3000.gateway.device.DeviceWiring;
import ap3000.gateway.event.EventWiring;
import ap3000.gateway.notify.NotifyWiring;
import ap3000.gateway.ops.OpsWiring;
import ap3000.gateway.redis.RedisWiring;

/**
 * Wires the gateway: each package binds its own beans for the YAML routes ({@code *Wiring}, settings injected with
 * {@code @PropertyInject}, the beans of earlier packages with {@code @BeanInject}). Every value is read through the
 * properties component, so an environment variable ({@code GATEWAY_TCP_PORT}) overrides
 * {@code application.properties} ({@code gateway.tcp.port}) even for keys the file does not define.
 */
public class GatewayConfiguration implements CamelConfiguration {

    @PropertyInject(value = "gateway.node-id", defaultValue = "")
    String configuredNodeId;

    @Override
    public void configure(CamelContext context) throws Exception {
        DeprecatedKeys.apply(context.getPropertiesComponent());
        Registry registry = context.getRegistry();
        registry.bind("clock", Clock.systemUTC());
        registry.bind("nodeId", nodeId(configuredNodeId));
        meterRegistry(registry);
        // The order of the packages is the order their services start in, and the reverse of the order they stop
        // in (each package adds its services to the context as it wires them; Camel stops the routes first):
        // - Redis first and last: every other service writes to it on its way out;
        // - the event journal next: its writers flush what is queued after everything else has stopped writing;
        // - the audit's frame log and heartbeat summaries: write what they buffered;
        // - the webhook workers and fan-out: finish the request in hand, hand the fan-out lease back;
        // - the device side (its downlink), which needs the frame log, the summaries and the endpoints;
        // - ops, then the API: the node-to-node request listener stops first.
        injected(context, new RedisWiring()).wire(context);
        injected(context, new EventWiring()).wire(context);
        injected(context, new AuditWiring()).wire(context);
        injected(context, new NotifyWiring()).wire(context);
        injected(context, new DeviceWiring()).wire(context);
        injected(context, new OpsWiring()).wire(context);
        injected(context, new ApiWiring()).wire(context);
    }

    /**
     * The wiring with its {@code @PropertyInject} settings and its {@code @BeanInject} beans of the packages wired
     * before it. (Not CamelConfigurations themselves: Camel Main would find those by package scan and run them in
     * no particular order.)
     */
    private static <T> T injected(CamelContext context, T wiring) throws Exception {
        PluginHelper.getBeanPostProcessor(context).postProcessBeforeInitialization(wiring,
                wiring.getClass().getSimpleName());
        return wiring;
    }

    /**
     * The one meter registry, served at /observe/metrics: Camel's Prometheus support creates it under this name (or
     * takes one found there), whichever of the two comes first.
     */
    private static void meterRegistry(Registry registry) {
        if (registry.lookupByNameAndType(MicrometerConstants.METRICS_REGISTRY_NAME, MeterRegistry.class) == null) {
            registry.bind(MicrometerConstants.METRICS_REGISTRY_NAME, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        }
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
}
