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

import ap3000.gateway.event.EventBatch;

/**
 * routes/device-ingress.camel.yaml with the netty consumer replaced by direct:device-ingress: each kind of message
 * reaches its handling step, its events reach direct:domain-events before the reply goes out, and a failure is
 * handled as device-errors says (no reply, the connection stays).
 */
class DeviceIngressRouteTest extends RouteTestSupport {

    private static final String INGRESS = "direct:device-ingress";

    private final DeviceIngressStandIn deviceIngress = new DeviceIngressStandIn(calls);

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
        registry.bind("deviceIngress", deviceIngress);
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
        deviceIngress.failingStep = null;
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
        deviceIngress.failingStep = "onSettlement";
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
        deviceIngress.failingStep = null;
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
