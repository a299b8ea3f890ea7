package ap3000.gateway.routes;

import java.util.List;

import org.apache.camel.Exchange;

import ap3000.gateway.device.DeviceIngress;
import ap3000.gateway.event.EventBatch;

/**
 * Stands in for DeviceIngress in route tests: the message body is the kind classify reports, and each step notes
 * itself, returns one event of that kind and leaves "reply to <kind>" as the reply; the step named failingStep throws.
 */
public class DeviceIngressStandIn {

    private final List<String> calls;
    volatile String failingStep;

    DeviceIngressStandIn(List<String> calls) {
        this.calls = calls;
    }

    public void classify(Exchange exchange) {
        calls.add("classify");
        exchange.getMessage().setHeader(DeviceIngress.KIND, exchange.getMessage().getBody(String.class));
    }

    private EventBatch step(String method, Exchange exchange) {
        calls.add(method);
        if (method.equals(failingStep)) {
            throw new IllegalStateException(method + " failed");
        }
        String kind = exchange.getMessage().getHeader(DeviceIngress.KIND, String.class);
        exchange.setProperty(DeviceIngress.REPLY, "reply to " + kind);
        return EventBatch.of(List.of(DomainEventsRouteTest.event(kind)));
    }

    public EventBatch onHeartbeat(Exchange e) { return step("onHeartbeat", e); }
    public EventBatch onRegister(Exchange e) { return step("onRegister", e); }
    public EventBatch onTimeRequest(Exchange e) { return step("onTimeRequest", e); }
    public EventBatch onSettlement(Exchange e) { return step("onSettlement", e); }
    public EventBatch onPowerHeartbeat(Exchange e) { return step("onPowerHeartbeat", e); }
    public EventBatch onCardSwipe(Exchange e) { return step("onCardSwipe", e); }
    public EventBatch onOrderConfirm(Exchange e) { return step("onOrderConfirm", e); }
    public EventBatch onHostUpgradeRequest(Exchange e) { return step("onHostUpgradeRequest", e); }
    public EventBatch onReport(Exchange e) { return step("onReport", e); }
    public EventBatch onCommandAck(Exchange e) { return step("onCommandAck", e); }
    public EventBatch onIccid(Exchange e) { return step("onIccid", e); }
    public EventBatch onLink(Exchange e) { return step("onLink", e); }
    public EventBatch onConnectionClosed(Exchange e) { return step("onConnectionClosed", e); }
    public EventBatch onUnknown(Exchange e) { return step("onUnknown", e); }
}
