package ap3000.gateway.ops;

import java.util.Map;

import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.ServiceStatus;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import org.apache.camel.support.service.ServiceHelper;

/**
 * Ready while the device listener's route runs and its Netty consumer is started: the consumer binds the TCP port
 * when it starts and unbinds when it stops, so a started consumer is a bound port.
 */
public class DeviceListenerHealthCheck extends AbstractHealthCheck {

    private final CamelContext context;
    private final String routeId;
    private final String address;

    public DeviceListenerHealthCheck(CamelContext context, String routeId, String address) {
        super("gateway", "device-listener");
        this.context = context;
        this.routeId = routeId;
        this.address = address;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        builder.detail("address", address);
        Route route = context.getRoute(routeId);
        ServiceStatus status = context.getRouteController().getRouteStatus(routeId);
        if (route != null && status == ServiceStatus.Started && ServiceHelper.isStarted(route.getConsumer())) {
            builder.up();
        } else {
            builder.message("device listener " + routeId + " is " + (status == null ? "missing" : status)).down();
        }
    }
}
