package ap3000.gateway.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.camel.Exchange;
import org.apache.camel.builder.TemplatedRouteBuilder;
import org.apache.camel.component.resilience4j.ResilienceProcessor;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.spi.Registry;
import org.junit.jupiter.api.Test;

import ap3000.gateway.event.JournalBatch;
import ap3000.gateway.notify.EndpointGoneException;
import ap3000.gateway.notify.RetryAfterException;
import ap3000.gateway.notify.WebhookAttemptLog;
import redis.clients.jedis.StreamEntryID;

/**
 * routes/notifications.camel.yaml: the fan-out (its timer replaced by a direct: endpoint) queues and acknowledges
 * non-empty batches and keeps a failed one pending; webhook-deliver calls the endpoint's route and records the outcome
 * as webhook-errors says; the webhook-call template signs, POSTs (a mock here) and judges the answer.
 */
class NotificationsRouteTest extends RouteTestSupport {

    private static final String ENDPOINT_ROUTE = "mock:direct:webhook-sink";

    private volatile JournalBatch<String> nextBatch;
    private volatile boolean fanOutFails;

    @Override
    protected List<String> routeFiles() {
        return List.of("notifications");
    }

    @Override
    protected Map<String, String> replacedConsumers() {
        return Map.of("webhook-fan-out", "direct:webhook-fan-out");
    }

    @Override
    protected String mockedProducers() {
        // the endpoint route webhook-deliver calls, and the HTTP producer of the route made from the template
        return "(direct:webhook-sink|http://webhook-.*)";
    }

    @Override
    protected void override(Properties properties) {
        properties.setProperty("notify.retry.redeliveries", "2");
        properties.setProperty("notify.retry.delay-ms", "1");
    }

    @Override
    protected void bindStandIns(Registry registry) {
        registry.bind("webhookFanOut", new FanOutStandIn());
        registry.bind("webhookDelivery", new DeliveryStandIn());
        registry.bind("webhookAttemptLog", new AttemptLogStandIn());
    }

    /** The real attempt log's begin and record; only its writing to Redis is replaced by a note. */
    public class AttemptLogStandIn extends WebhookAttemptLog {
        AttemptLogStandIn() {
            super(null, null, "node-a", null, Clock.systemUTC());
        }

        @Override
        protected void write(String endpoint, String device, String eventId, Map<String, Object> attempt,
                             boolean success) {
            called("attempt " + endpoint + ": " + (attempt.get("error") != null ? attempt.get("error")
                    : attempt.get("status")));
        }
    }

    /** Stands in for WebhookFanOut: the journal's consumer group notify and the outbox. */
    public class FanOutStandIn {
        public JournalBatch<String> next() {
            called("webhookFanOut.next");
            return nextBatch;
        }

        public void fanOut(JournalBatch<String> batch) {
            called("webhookFanOut.fanOut:" + batch.size());
            if (fanOutFails) {
                throw new IllegalStateException("Redis unreachable");
            }
        }

        public void ack(JournalBatch<String> batch) {
            called("webhookFanOut.ack:" + batch.size());
        }
    }

    /** Stands in for WebhookDelivery: notes each outcome. */
    public class DeliveryStandIn {
        public void prepare(Exchange exchange) {
            called("prepare");
        }

        public void checkResponse(Exchange exchange) {
            called("checkResponse");
        }

        public void delivered() {
            called("delivered");
        }

        public void failed() {
            called("failed");
        }

        public void retryAfter() {
            called("retryAfter");
        }

        public void circuitOpen() {
            called("circuitOpen");
        }

        public void endpointGone() {
            called("endpointGone");
        }
    }

    @Test
    void should_fan_out_a_batch_and_then_acknowledge_it() {
        nextBatch = batch(4);
        fanOutFails = false;

        template.sendBody("direct:webhook-fan-out", null);

        assertThat(calls).containsExactly("webhookFanOut.next", "webhookFanOut.fanOut:4", "webhookFanOut.ack:4");
    }

    @Test
    void should_skip_an_empty_batch() {
        nextBatch = JournalBatch.empty();

        template.sendBody("direct:webhook-fan-out", null);

        assertThat(calls).containsExactly("webhookFanOut.next");
    }

    @Test
    void should_leave_a_batch_that_could_not_be_queued_unacknowledged() {
        nextBatch = batch(1);
        fanOutFails = true;

        Exchange done = template.send("direct:webhook-fan-out", e -> { });

        assertThat(done.isFailed()).as("handled by fan-out-errors").isFalse();
        assertThat(calls).containsExactly("webhookFanOut.next", "webhookFanOut.fanOut:1");
    }

    @Test
    void should_call_the_endpoints_route_and_record_the_delivery() throws Exception {
        MockEndpoint endpoint = getMockEndpoint(ENDPOINT_ROUTE);
        endpoint.expectedMessageCount(1);

        deliver();

        endpoint.assertIsSatisfied();
        assertThat(calls).containsExactly("delivered");
    }

    @Test
    void should_retry_a_failed_call_quickly_and_then_record_the_failure() throws Exception {
        MockEndpoint endpoint = getMockEndpoint(ENDPOINT_ROUTE);
        endpoint.whenAnyExchangeReceived(e -> {
            throw new IllegalStateException("connection refused");
        });
        endpoint.expectedMessageCount(3);

        Exchange done = deliver();

        endpoint.assertIsSatisfied();
        assertThat(done.isFailed()).isFalse();
        assertThat(calls).containsExactly("failed");
    }

    @Test
    void should_not_retry_a_gone_endpoint_nor_a_retry_after() throws Exception {
        MockEndpoint endpoint = getMockEndpoint(ENDPOINT_ROUTE);
        endpoint.whenExchangeReceived(1, e -> {
            throw new EndpointGoneException("gone");
        });
        endpoint.whenExchangeReceived(2, e -> {
            throw new RetryAfterException(429, "slow down", Duration.ofSeconds(30));
        });
        endpoint.expectedMessageCount(2);

        deliver();
        deliver();

        endpoint.assertIsSatisfied();
        assertThat(calls).containsExactly("endpointGone", "retryAfter");
    }

    @Test
    void should_make_an_endpoint_route_that_prepares_posts_and_judges_each_call() throws Exception {
        ResilienceProcessor circuit = endpointRouteFromTemplate();
        circuit.transitionToCloseState();
        MockEndpoint http = getMockEndpoint("mock:http:webhook-tpl");
        http.expectedMessageCount(1);

        deliver("tpl");

        http.assertIsSatisfied();
        assertThat(calls).containsExactly("prepare", "attempt tpl: null", "checkResponse", "delivered");
        // statuses are judged by checkResponse, not by the HTTP producer; the timeout is the endpoint's
        assertThat(context.getEndpoints()).map(endpoint -> endpoint.getEndpointUri())
                .filteredOn(uri -> uri.startsWith("http://webhook-tpl")).singleElement().asString()
                .contains("httpMethod=POST", "throwExceptionOnFailure=false", "responseTimeout=1000");
    }

    @Test
    void should_log_every_attempt_answered_or_failed_and_hand_a_failure_on_for_a_quick_retry() throws Exception {
        ResilienceProcessor circuit = endpointRouteFromTemplate();
        circuit.transitionToCloseState();
        MockEndpoint http = getMockEndpoint("mock:http:webhook-tpl");
        http.whenExchangeReceived(1, e -> {
            throw new IllegalStateException("connection refused");
        });
        http.whenExchangeReceived(2, e -> e.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 200));
        http.expectedMessageCount(2);

        Exchange done = deliver("tpl");

        http.assertIsSatisfied();
        assertThat(done.isFailed()).isFalse();
        // the second attempt is not charged with the first one's exception
        assertThat(calls).containsExactly("prepare", "attempt tpl: IllegalStateException: connection refused",
                "prepare", "attempt tpl: 200", "checkResponse", "delivered");
    }

    @Test
    void should_keep_an_event_the_open_circuit_refused_for_later() throws Exception {
        ResilienceProcessor circuit = endpointRouteFromTemplate();
        circuit.transitionToOpenState();
        MockEndpoint http = getMockEndpoint("mock:http:webhook-tpl");
        http.expectedMessageCount(0);

        Exchange done = deliver("tpl");

        http.assertIsSatisfied();
        assertThat(done.isFailed()).isFalse();
        assertThat(calls).as("neither dropped as delivered nor retried").containsExactly("circuitOpen");
    }

    /** The route webhook-call makes for an endpoint named tpl (once), and its circuit breaker. */
    private ResilienceProcessor endpointRouteFromTemplate() throws Exception {
        if (context.getRoute("webhook-tpl") == null) {
            TemplatedRouteBuilder.builder(context, "webhook-call").routeId("webhook-tpl")
                    .parameter("name", "tpl").parameter("timeoutMillis", "1000")
                    .parameter("rateLimit", "10").parameter("throttled", "false").add();
        }
        return context.getRoute("webhook-tpl").filter("*").stream()
                .filter(ResilienceProcessor.class::isInstance).map(ResilienceProcessor.class::cast)
                .findFirst().orElseThrow();
    }

    private Exchange deliver() {
        return deliver("sink");
    }

    private Exchange deliver(String endpoint) {
        return template.send("direct:webhook-deliver", e -> {
            e.setProperty("webhookEndpoint", endpoint);
            e.getMessage().setBody("{\"event_id\":\"e1\"}");
        });
    }

    private static JournalBatch<String> batch(int size) {
        List<StreamEntryID> ids = java.util.stream.IntStream.range(0, size).mapToObj(i -> new StreamEntryID(1, i)).toList();
        return new JournalBatch<>(ids, ids.stream().map(id -> "entry " + id).toList());
    }
}
