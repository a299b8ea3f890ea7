package ap3000.gateway.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.camel.CamelExecutionException;
import org.apache.camel.Exchange;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.netty.NettyConstants;
import org.apache.camel.spi.Registry;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.core.JsonParseException;

import ap3000.gateway.api.ApiException;
import ap3000.gateway.event.JournalBatch;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import redis.clients.jedis.StreamEntryID;

/**
 * routes/error-handling.camel.yaml on its own: a small route per route configuration, whose step fails as a header
 * says, shows what each configuration promises.
 */
class ErrorHandlingRouteTest extends RouteTestSupport {

    private final AtomicInteger attempts = new AtomicInteger();

    @Override
    protected List<String> routeFiles() {
        return List.of();
    }

    @Override
    protected void override(Properties properties) {
        properties.setProperty("audit.retry.attempts", "3");
        properties.setProperty("audit.retry.delay-ms", "1");
        properties.setProperty("notify.retry.redeliveries", "2");
        properties.setProperty("notify.retry.delay-ms", "1");
    }

    @Override
    protected void bindStandIns(Registry registry) {
        registry.bind("auditStore", new AuditStoreStandIn());
        registry.bind("auditReader", new AuditReaderStandIn());
        registry.bind("webhookDelivery", new DeliveryStandIn());
    }

    public class AuditStoreStandIn {
        public void deadLetterBatch() {
            called("auditStore.deadLetterBatch");
        }
    }

    public class AuditReaderStandIn {
        public void ack() {
            called("auditReader.ack");
        }
    }

    public class DeliveryStandIn {
        public void failed() { called("webhookDelivery.failed"); }
        public void circuitOpen() { called("webhookDelivery.circuitOpen"); }
        public void endpointGone() { called("webhookDelivery.endpointGone"); }
        public void retryAfter() { called("webhookDelivery.retryAfter"); }
    }

    @Override
    protected RoutesBuilder createRouteBuilder() {
        return new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:device").routeId("test-device").routeConfigurationId("device-errors")
                        .process(this::fail).setBody(constant("reply"));
                from("direct:propagate").routeId("test-propagate").routeConfigurationId("propagate-errors")
                        .process(this::fail);
                from("direct:audit").routeId("test-audit").routeConfigurationId("audit-errors")
                        .process(this::fail);
                from("direct:webhook").routeId("test-webhook").routeConfigurationId("webhook-errors")
                        .process(this::fail);
                from("direct:api").routeId("test-api").routeConfigurationId("api-errors")
                        .process(this::fail);
                from("direct:default").routeId("test-default")
                        .process(this::fail);
            }

            private void fail(Exchange exchange) throws Exception {
                attempts.incrementAndGet();
                throw exchange.getMessage().getHeader("failure", Exception.class);
            }
        };
    }

    @Test
    void device_errors_should_send_no_reply_and_keep_the_connection() {
        Exchange done = send("direct:device", new IllegalStateException("Redis unreachable"), null);

        assertThat(done.isFailed()).isFalse();
        assertThat(done.getMessage().getBody()).isNull();
        assertThat(done.getMessage().getHeader(NettyConstants.NETTY_CLOSE_CHANNEL_WHEN_COMPLETE)).isNull();
        assertThat(attempts).hasValue(1);
    }

    @Test
    void propagate_errors_should_hand_the_failure_back_unretried() {
        attempts.set(0);

        assertThatThrownBy(() -> template.sendBodyAndHeader("direct:propagate", null, "failure",
                new IllegalStateException("Redis unreachable")))
                .isInstanceOf(CamelExecutionException.class).hasRootCauseMessage("Redis unreachable");
        assertThat(attempts).hasValue(1);
    }

    @Test
    void audit_errors_should_retry_then_dead_letter_and_acknowledge() {
        JournalBatch<String> batch = new JournalBatch<>(List.of(new StreamEntryID(1, 0)), List.of("entry"));

        Exchange done = send("direct:audit", new IllegalStateException("Redis timeout"), batch);

        assertThat(done.isFailed()).isFalse();
        assertThat(attempts).as("the first try and audit.retry.attempts retries").hasValue(4);
        assertThat(calls).containsExactly("auditStore.deadLetterBatch", "auditReader.ack");
    }

    @Test
    void webhook_errors_should_retry_a_failure_then_record_it() {
        Exchange done = send("direct:webhook", new IllegalStateException("connection refused"), null);

        assertThat(done.isFailed()).isFalse();
        assertThat(attempts).as("the first try and notify.retry.redeliveries retries").hasValue(3);
        assertThat(calls).containsExactly("webhookDelivery.failed");
    }

    @Test
    void webhook_errors_should_not_retry_a_call_the_open_circuit_refused() {
        CircuitBreaker circuit = CircuitBreaker.ofDefaults("test");
        circuit.transitionToOpenState();

        send("direct:webhook", CallNotPermittedException.createCallNotPermittedException(circuit), null);

        assertThat(attempts).hasValue(1);
        assertThat(calls).containsExactly("webhookDelivery.circuitOpen");
    }

    @Test
    void api_errors_should_answer_a_refusal_with_its_status_and_the_envelope() {
        Exchange done = send("direct:api", ApiException.notFound("device 04A228CD is not online"), null);

        assertThat(done.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE)).isEqualTo(404);
        assertThat(done.getMessage().getBody()).hasToString(
                "ApiResponse[code=404, message=device 04A228CD is not online, data=null]");
    }

    @Test
    void api_errors_should_answer_anything_else_with_500() {
        Exchange done = send("direct:api", new IllegalStateException("secret detail"), null);

        assertThat(done.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE)).isEqualTo(500);
        assertThat(done.getMessage().getBody()).hasToString(
                "ApiResponse[code=500, message=internal error: IllegalStateException, data=null]");
    }

    @Test
    void the_default_configuration_should_answer_a_body_that_is_not_json_with_400() {
        Exchange done = send("direct:default", new JsonParseException(null, "Unexpected character"), null);

        assertThat(done.isFailed()).isFalse();
        assertThat(done.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE)).isEqualTo(400);
        assertThat(done.getMessage().getBody()).hasToString(
                "ApiResponse[code=400, message=body: not a JSON object, data=null]");
    }

    private Exchange send(String uri, Exception failure, Object body) {
        attempts.set(0);
        return template.send(uri, e -> {
            e.getMessage().setHeader("failure", failure);
            e.getMessage().setBody(body);
        });
    }
}
