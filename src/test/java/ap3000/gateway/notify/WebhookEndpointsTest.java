package ap3000.gateway.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

/** Endpoint configuration: what an operator writes, and a clear refusal at start for what is wrong. */
class WebhookEndpointsTest {

    @Test
    void should_read_every_option_with_its_default() {
        WebhookEndpoints endpoints = read(Map.of("notify.endpoints", "billing, ops",
                "notify.endpoints.billing.url", "https://billing.example.com/hook",
                "notify.endpoints.billing.event-types", "settlement,charging_end",
                "notify.endpoints.billing.secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                "notify.endpoints.billing.timeout", "3s",
                "notify.endpoints.billing.rate-limit", "20",
                "notify.endpoints.billing.conflate-heartbeats", "false",
                "notify.endpoints.ops.url", "http://ops:8080/x",
                "notify.endpoints.ops.enabled", "false"));
        assertThat(endpoints.all()).extracting(WebhookEndpoint::name).containsExactly("billing");
        WebhookEndpoint billing = endpoints.get("billing").orElseThrow();
        assertThat(billing.subscribes("settlement")).isTrue();
        assertThat(billing.subscribes("device_heartbeat")).isFalse();
        assertThat(billing.secrets()).hasSize(1);
        assertThat(billing.timeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(billing.rateLimit()).isEqualTo(20);
        assertThat(billing.apiKey()).isNull();
        assertThat(billing.conflates("device_heartbeat")).isFalse();
        assertThat(endpoints.parameters("webhook-billing")).containsEntry("throttled", "true")
                .containsEntry("timeoutMillis", "3000");
    }

    @Test
    void should_default_to_all_types_unsigned_10s_unlimited() {
        WebhookEndpoint sink = read(Map.of("notify.endpoints", "sink", "notify.endpoints.sink.url", "http://x/y"))
                .get("sink").orElseThrow();
        assertThat(sink.subscribes("device_heartbeat")).isTrue();
        assertThat(sink.secrets()).isEmpty();
        assertThat(sink.timeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(sink.rateLimit()).isZero();
        assertThat(sink.conflates("device_heartbeat")).isTrue();
        assertThat(sink.conflates("port_heartbeat")).isFalse();
    }

    @Test
    void should_take_environment_references_in_values_through_camels_env_function() throws Exception {
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            Properties properties = new Properties();
            properties.put("notify.endpoints", "a");
            properties.put("notify.endpoints.a.url", "{{env:AP3000_TEST_NEVER_SET:http://localhost:9/hook}}");
            properties.put("notify.endpoints.a.api-key", "{{env:PATH}}");
            context.getPropertiesComponent().setInitialProperties(properties);
            WebhookEndpoint a = WebhookEndpoints.read(context.getPropertiesComponent()).get("a").orElseThrow();
            assertThat(a.url()).isEqualTo("http://localhost:9/hook");
            assertThat(a.apiKey()).isEqualTo(System.getenv("PATH"));
        }
    }

    @Test
    void should_refuse_an_unset_variable_without_default_naming_the_key() throws Exception {
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            Properties properties = new Properties();
            properties.put("notify.endpoints", "a");
            properties.put("notify.endpoints.a.url", "{{env:AP3000_TEST_NEVER_SET}}");
            context.getPropertiesComponent().setInitialProperties(properties);
            assertThatThrownBy(() -> WebhookEndpoints.read(context.getPropertiesComponent()))
                    .hasMessageContaining("notify.endpoints.a.url");
        }
    }

    @Test
    void should_still_take_the_deprecated_dollar_form() throws Exception {
        assertThat(WebhookEndpoints.fromEnvironment("k", "${BUSINESS_WEBHOOK_URL}",
                Map.of("BUSINESS_WEBHOOK_URL", "https://b.example.com")::get)).isEqualTo("https://b.example.com");
        assertThat(WebhookEndpoints.fromEnvironment("k", "http://${HOST:localhost}:${PORT}/hook", name -> null))
                .isEqualTo("http://localhost:/hook");
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            Properties properties = new Properties();
            properties.put("notify.endpoints", "a");
            properties.put("notify.endpoints.a.url", "${AP3000_TEST_NEVER_SET:http://localhost:9/old}");
            context.getPropertiesComponent().setInitialProperties(properties);
            assertThat(WebhookEndpoints.read(context.getPropertiesComponent()).get("a").orElseThrow().url())
                    .isEqualTo("http://localhost:9/old");
        }
    }

    @Test
    void should_refuse_a_wrong_configuration_naming_the_key() {
        assertThatThrownBy(() -> read(Map.of("notify.endpoints", "a"))).hasMessageContaining("notify.endpoints.a.url");
        assertThatThrownBy(() -> read(Map.of("notify.endpoints", "a", "notify.endpoints.a.url", "ftp://x")))
                .hasMessageContaining("http or https");
        assertThatThrownBy(() -> read(Map.of("notify.endpoints", "a", "notify.endpoints.a.url", "http://x",
                "notify.endpoints.a.secret", "plain"))).hasMessageContaining("whsec_");
        assertThatThrownBy(() -> read(Map.of("notify.endpoints", "a", "notify.endpoints.a.url", "http://x",
                "notify.endpoints.a.secret", "whsec_***"))).hasMessageContaining("not base64");
        assertThatThrownBy(() -> read(Map.of("notify.endpoints", "a", "notify.endpoints.a.url", "http://x",
                "notify.endpoints.a.event-types", "settlment"))).hasMessageContaining("settlment");
        assertThatThrownBy(() -> read(Map.of("notify.endpoints", "Bad_Name"))).hasMessageContaining("Bad_Name");
        assertThatThrownBy(() -> read(Map.of("notify.endpoints", "a", "notify.endpoints.a.url", "http://x",
                "notify.endpoints.a.secret", "whsec_"))).hasMessageContaining("at least 24 random bytes");
        assertThatThrownBy(() -> read(Map.of("notify.endpoints", "a", "notify.endpoints.a.url",
                "http:no-host?token=abc"))).hasMessageContaining("no host").hasMessageNotContaining("abc");
        assertThatThrownBy(() -> read(Map.of("notify.endpoints", "a", "notify.endpoints.a.url",
                "http://169.254.169.254/"))).hasMessageContaining("notify.endpoints.a.allow-link-local");
    }

    @Test
    void should_show_a_url_without_its_user_info_and_query() {
        WebhookEndpoint endpoint = read(Map.of("notify.endpoints", "a", "notify.endpoints.a.url",
                "https://user:pw@hooks.example.com:8443/in?token=s3cret")).get("a").orElseThrow();
        assertThat(endpoint.displayUrl()).isEqualTo("https://hooks.example.com:8443/in (query and user info hidden)")
                .doesNotContain("s3cret", "pw");
        assertThat(endpoint.url()).contains("token=s3cret");
        assertThat(WebhookUrl.redactedIn("Illegal character in query at index 40: https://u:pw@h.example/in?token=s3"
                + "cret x\n, then http://h2/p#frag")).isEqualTo("Illegal character in query at index 40: "
                + "https://h.example/in x\n, then http://h2/p");
    }

    @Test
    void should_keep_the_url_as_checked_without_a_trailing_newline() {
        WebhookEndpoint endpoint = read(Map.of("notify.endpoints", "a", "notify.endpoints.a.url",
                "https://hooks.example.com/in?token=abc\n")).get("a").orElseThrow();
        assertThat(endpoint.url()).isEqualTo("https://hooks.example.com/in?token=abc");
    }

    @Test
    void should_spread_retry_rounds_by_the_jitter_and_end_after_the_last() {
        RetrySchedule schedule = RetrySchedule.parse("5s,5m", 0.2);
        for (int i = 0; i < 100; i++) {
            assertThat(schedule.delay(1).orElseThrow().toMillis()).isBetween(4000L, 6000L);
        }
        assertThat(schedule.delay(2).orElseThrow().toMillis()).isBetween(240_000L, 360_000L);
        assertThat(schedule.delay(3)).isEmpty();
    }

    private static WebhookEndpoints read(Map<String, String> properties) {
        Map<String, String> copy = new HashMap<>(properties);
        return WebhookEndpoints.read(key -> Optional.ofNullable(copy.get(key)));
    }
}
