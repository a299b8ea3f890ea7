package ap3000.gateway.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;

import org.apache.camel.Endpoint;
import org.apache.camel.Route;
import org.junit.jupiter.api.Test;

import ap3000.gateway.RunningGateway;
import ap3000.gateway.device.DeviceSocket;
import ap3000.gateway.device.TestFrames;

/**
 * Webhook endpoints as an operator may misconfigure them and an attacker may plant them: weak secrets and metadata
 * addresses stop the start with a message naming the key; a token in the URL reaches the receiver but no endpoint
 * URI, route or log line.
 */
class WebhookSecurityEndToEndTest {

    @Test
    void should_refuse_to_start_with_a_weak_or_empty_webhook_secret() {
        for (String secret : new String[]{"whsec_", "whsec_c2hvcnQ=", "whsec_" + "QUFB".repeat(5)}) {
            assertThatThrownBy(() -> RunningGateway.start(Map.of("notify.endpoints", "sink",
                    "notify.endpoints.sink.url", "http://127.0.0.1:9/hook", "notify.endpoints.sink.secret", secret)))
                    .as(secret).hasStackTraceContaining("notify.endpoints.sink.secret")
                    .hasStackTraceContaining("at least 24 random bytes");
        }
    }

    @Test
    void should_refuse_link_local_and_metadata_addresses_unless_allowed() throws Exception {
        for (String url : new String[]{"http://169.254.169.254/latest/meta-data/", "http://[fe80::1]:8080/x",
                "http://100.100.100.200/latest/meta-data/", "http://metadata.google.internal/computeMetadata/v1/"}) {
            assertThatThrownBy(() -> RunningGateway.start(Map.of("notify.endpoints", "sink",
                    "notify.endpoints.sink.url", url)))
                    .as(url).hasStackTraceContaining("notify.endpoints.sink.allow-link-local");
        }
        try (RunningGateway allowed = RunningGateway.start(Map.of("notify.endpoints", "sink",
                "notify.endpoints.sink.url", "http://169.254.10.10:8080/hook",
                "notify.endpoints.sink.allow-link-local", "true"))) {
            assertThat(allowed.context().getRoute("webhook-sink")).isNotNull();
        }
    }

    @Test
    void should_deliver_to_the_url_with_its_token_while_no_endpoint_uri_carries_it() throws Exception {
        String token = "tok-" + System.nanoTime();
        try (WebhookReceiver receiver = new WebhookReceiver();
             RunningGateway gateway = RunningGateway.start(Map.of("notify.endpoints", "sink",
                     "notify.endpoints.sink.url", receiver.url() + "?token=" + token + "&tenant=7"))) {
            try (DeviceSocket socket = new DeviceSocket(gateway.tcpPort())) {
                socket.send(TestFrames.iccid());
                socket.send(TestFrames.register(0x04710001, 1));
                socket.readFrame();
                await().atMost(Duration.ofSeconds(30)).until(() -> !receiver.accepted().isEmpty());
            }
            assertThat(receiver.accepted().get(0).uri()).endsWith("?token=" + token + "&tenant=7");
            for (Endpoint endpoint : gateway.context().getEndpoints()) {
                assertThat(endpoint.getEndpointUri()).doesNotContain(token);
            }
            for (Route route : gateway.context().getRoutes()) {
                assertThat(route.getProperties().toString()).doesNotContain(token);
            }
        }
    }
}
