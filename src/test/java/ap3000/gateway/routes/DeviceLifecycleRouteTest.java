package ap3000.gateway.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.spi.Registry;
import org.junit.jupiter.api.Test;

import ap3000.gateway.event.EventBatch;

/** routes/device-lifecycle.camel.yaml: the offline sweep's events go to direct:domain-events. */
class DeviceLifecycleRouteTest extends RouteTestSupport {

    @Override
    protected List<String> routeFiles() {
        return List.of("device-lifecycle");
    }

    @Override
    protected Map<String, String> replacedConsumers() {
        return Map.of("device-offline-sweep", "direct:device-offline-sweep");
    }

    @Override
    protected String mockedProducers() {
        return "direct:domain-events";
    }

    @Override
    protected void bindStandIns(Registry registry) {
        registry.bind("deviceIngress", new SweepStandIn());
    }

    /** Stands in for DeviceIngress.sweepOffline: one device fell silent. */
    public class SweepStandIn {
        public EventBatch sweepOffline() {
            called("deviceIngress.sweepOffline");
            return EventBatch.of(List.of(DomainEventsRouteTest.event("device_offline")));
        }
    }

    @Test
    void should_send_the_devices_the_sweep_took_offline_to_the_journal() throws Exception {
        MockEndpoint domainEvents = getMockEndpoint("mock:direct:domain-events");
        domainEvents.expectedMessageCount(1);

        template.sendBody("direct:device-offline-sweep", null);

        domainEvents.assertIsSatisfied();
        assertThat(calls).containsExactly("deviceIngress.sweepOffline");
        assertThat(domainEvents.getExchanges().get(0).getMessage().getBody(EventBatch.class).events())
                .extracting(event -> event.eventType()).containsExactly("device_offline");
    }
}
