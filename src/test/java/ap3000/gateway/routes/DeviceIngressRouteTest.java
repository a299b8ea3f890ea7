package ap3000.gateway.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.component.netty.NettyConstants;
import org.apache.camel.spi.Registry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import ap3000.gateway.device.DeviceIngress;
import ap3000.gateway.event.EventBatch;

/**
 * routes/device-ingress.camel.yaml with the netty consumer replaced by direct:device-ingress: each kind of message
 * reaches its handling step, its events reach direct:domain-events before the reply goes out, and a failure is
 * handled as device-errors says (no reply, the connection stays).
 */
class DeviceIngressRouteTest extends RouteTestSupport {

    private static final String INGRESS = "direct:device-ingress";

    private volatile String failingStep;

    @Override
    protected List<String> routeFiles() {
        return List.of("device-ingress");
    }

    @Override
    protected Map<String, String> replacedConsumers() {
        return Map.of("device-ingress", INGRESS);
    }

    @Override
    protected String mockedProducers() {
        return "direct:domain-events";
    }

    @Override
    protected void bindStandIns(Registry registry) {
        registry.bind("deviceIngress", new DeviceIngressStandIn());
    }

    /**
     * Stands in for DeviceIngress: the message body is the kind classify reports, and each step returns one event of
     * that kind and leaves "reply to <kind>" as the reply.
     */
    public class DeviceIngressStandIn {
        public void classify(Exchange exchange) {
            called("classify");
            exchange.getMessage().setHeader(DeviceIngress.KIND, exchange.getMessage().getBody(String.class));
        }

        private EventBatch step(String method, Exchange exchange) {
            called(method);
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

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "heartbeat, onHeartbeat", "register, onRegister", "time_request, onTimeRequest",
            "settlement, onSettlement", "power_heartbeat, onPowerHeartbeat", "card_swipe, onCardSwipe",
            "order_confirm, onOrderConfirm", "host_upgrade_request, onHostUpgradeRequest",
            "upgrade_request, onReport", "host_heartbeat, onReport", "host_status, onReport",
            "slave_versions, onReport", "fsk_params_request, onReport", "cabinet_heartbeat, onReport",
            "alarm, onReport", "cabinet_charge_finished, onReport", "port_push, onReport",
            "command_ack, onCommandAck", "iccid, onIccid", "link, onLink",
            "connection_closed, onConnectionClosed", "something_new, onUnknown" })
    void should_hand_each_kind_of_message_to_its_step_and_its_events_to_the_journal(String kind, String method)
            throws Exception {
        failingStep = null;
        MockEndpoint domainEvents = getMockEndpoint("mock:direct:domain-events");
        domainEvents.expectedMessageCount(1);

        Exchange answered = template.request(INGRESS, e -> e.getMessage().setBody(kind));

        assertThat(calls).containsExactly("classify", method);
        domainEvents.assertIsSatisfied();
        EventBatch accepted = domainEvents.getExchanges().get(0).getMessage().getBody(EventBatch.class);
        assertThat(accepted.events()).extracting(event -> event.eventType()).containsExactly(kind);
        assertThat(answered.getMessage().getBody(String.class)).isEqualTo("reply to " + kind);
    }

    @Test
    void should_send_no_reply_and_keep_the_connection_when_a_step_fails() throws Exception {
        failingStep = "onSettlement";
        MockEndpoint domainEvents = getMockEndpoint("mock:direct:domain-events");
        domainEvents.expectedMessageCount(0);

        Exchange answered = template.request(INGRESS, e -> e.getMessage().setBody("settlement"));

        assertThat(answered.isFailed()).as("handled by device-errors").isFalse();
        assertThat(answered.getMessage().getBody()).as("no reply").isNull();
        assertThat(answered.getMessage().getHeader(NettyConstants.NETTY_CLOSE_CHANNEL_WHEN_COMPLETE)).isNull();
        domainEvents.assertIsSatisfied();
    }

    @Test
    void should_not_acknowledge_a_settlement_the_journal_did_not_take() throws Exception {
        failingStep = null;
        MockEndpoint domainEvents = getMockEndpoint("mock:direct:domain-events");
        domainEvents.whenAnyExchangeReceived(e -> {
            throw new IllegalStateException("Redis unreachable");
        });

        Exchange answered = template.request(INGRESS, e -> e.getMessage().setBody("settlement"));

        assertThat(calls).containsExactly("classify", "onSettlement");
        assertThat(answered.isFailed()).isFalse();
        assertThat(answered.getMessage().getBody()).as("no ack: the device sends the settlement again").isNull();
    }
}
