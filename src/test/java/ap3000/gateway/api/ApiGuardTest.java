package ap3000.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

/** The guard fails closed: without an HTTP server to sit on, the gateway does not start. */
class ApiGuardTest {

    @Test
    void should_fail_the_start_when_it_could_not_be_installed() throws Exception {
        ApiGuard guard = new ApiGuard("/api/v1", 1, List.of("k"), false, 1024);
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            assertThatThrownBy(() -> guard.install(context)).hasMessageContaining("No HTTP server on port 1");
            assertThatThrownBy(() -> guard.onCamelContextStarted(context, false))
                    .hasMessageContaining("does not run with an unguarded API");
        }
    }

    @Test
    void should_accept_exactly_the_configured_keys() {
        ApiGuard guard = new ApiGuard("/api/v1", 1, List.of("first-key", "second-key"), false, 1024);
        assertThat(guard.accepts("first-key")).isTrue();
        assertThat(guard.accepts("second-key")).isTrue();
        assertThat(guard.accepts("first-ke")).isFalse();
        assertThat(guard.accepts("first-key ")).isFalse();
        assertThat(guard.accepts(null)).isFalse();
    }
}
