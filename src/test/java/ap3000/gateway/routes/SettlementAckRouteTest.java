package ap3000.gateway.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.spi.Registry;
import org.junit.jupiter.api.Test;

import ap3000.gateway.event.EventBatch;

/**
 * routes/device-ingress.camel.yaml and routes/domain-events.camel.yaml together, as the gateway runs them: a
 * settlement is acked only once the journal took its events. The journal's refusal travels back through
 * propagate-errors to device-errors, which sends no reply, so the device retransmits the settlement.
 */
class SettlementAckRouteTest extends RouteTestSupport {

    private volatile boolean journalRefuses;

    @Override
    protected List<String> routeFiles() {
        return List.of("device-ingress", "domain-events");
    }

    @Override
    protected Map<String, String> replacedConsumers() {
        return Map.of("device-ingress", "direct:device-ingress", "journal-trim", "direct:journal-trim");
    }

    @Override
    protected void bindStandIns(Registry registry) {
        registry.bind("deviceIngress", new DeviceIngressStandIn(calls));
        registry.bind("eventJournal", new JournalStandIn());
    }

    /** Stands in for the Redis journal. */
    public class JournalStandIn {
        public void trimConsumed() {
        }

        public void accept(EventBatch batch) {
            called("eventJournal.accept");
            if (journalRefuses) {
                throw new IllegalStateException("Redis did not take the batch");
            }
        }
    }

    @Test
    void should_ack_a_settlement_once_the_journal_took_it() {
        journalRefuses = false;

        Exchange answered = template.request("direct:device-ingress", e -> e.getMessage().setBody("settlement"));

        assertThat(calls).containsExactly("classify", "onSettlement", "eventJournal.accept");
        assertThat(answered.getMessage().getBody(String.class)).isEqualTo("reply to settlement");
    }

    @Test
    void should_not_ack_a_settlement_the_journal_refused() {
        journalRefuses = true;

        Exchange answered = template.request("direct:device-ingress", e -> e.getMessage().setBody("settlement"));

        assertThat(calls).containsExactly("classify", "onSettlement", "eventJournal.accept");
        assertThat(answered.isFailed()).as("handled: the connection stays").isFalse();
        assertThat(answered.getMessage().getBody()).as("no ack").isNull();
    }
}
