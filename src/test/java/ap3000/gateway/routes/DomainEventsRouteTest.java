package ap3000.gateway.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.apache.camel.CamelExecutionException;
import org.apache.camel.spi.Registry;
import org.junit.jupiter.api.Test;

import ap3000.gateway.event.DeviceEvent;
import ap3000.gateway.event.EventBatch;

/** routes/domain-events.camel.yaml: every non-empty batch into the journal; a refusal goes back to the caller. */
class DomainEventsRouteTest extends RouteTestSupport {

    private volatile RuntimeException journalFailure;

    @Override
    protected List<String> routeFiles() {
        return List.of("domain-events");
    }

    @Override
    protected Map<String, String> replacedConsumers() {
        return Map.of("journal-trim", "direct:journal-trim");
    }

    @Override
    protected void bindStandIns(Registry registry) {
        registry.bind("eventJournal", new EventJournalStandIn());
    }

    /** Stands in for the Redis journal (EventJournal.accept). */
    public class EventJournalStandIn {
        public void trimConsumed() {
            called("eventJournal.trimConsumed");
        }

        public void accept(EventBatch batch) {
            called("eventJournal.accept:" + batch.events().size());
            if (journalFailure != null) {
                throw journalFailure;
            }
        }
    }

    @Test
    void should_accept_a_batch_with_events_into_the_journal() {
        journalFailure = null;
        template.sendBody("direct:domain-events", EventBatch.of(List.of(event("heartbeat"), event("port_status"))));

        assertThat(calls).containsExactly("eventJournal.accept:2");
    }

    @Test
    void should_not_call_the_journal_for_an_empty_batch() {
        journalFailure = null;
        template.sendBody("direct:domain-events", EventBatch.EMPTY);

        assertThat(calls).isEmpty();
    }

    @Test
    void should_hand_a_journal_failure_back_to_the_caller_unretried() {
        journalFailure = new IllegalStateException("Redis refused the batch");

        assertThatThrownBy(() -> template.sendBody("direct:domain-events", EventBatch.of(List.of(event("settlement")))))
                .isInstanceOf(CamelExecutionException.class)
                .hasRootCauseMessage("Redis refused the batch");
        assertThat(calls).containsExactly("eventJournal.accept:1");
    }

    @Test
    void should_trim_the_journal_on_its_own_timer() {
        template.sendBody("direct:journal-trim", null);

        assertThat(calls).containsExactly("eventJournal.trimConsumed");
    }

    static DeviceEvent event(String type) {
        return new DeviceEvent("id-" + type, type, "04A228CD", null, 1L, Map.of(), 1L, null, null, null, "node");
    }
}
