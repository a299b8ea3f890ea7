package ap3000.gateway.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.spi.Registry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import ap3000.gateway.api.ApiException;
import ap3000.gateway.api.ApiResponse;

/**
 * routes/api-audit.camel.yaml: each REST operation of the audit query API reaches its auditApi method with its path
 * parameter, and answers with the JSON envelope; a refusal answers with its status, a failure with 500 (api-errors).
 */
class ApiAuditRouteTest extends RouteTestSupport {

    @Override
    protected List<String> routeFiles() {
        return List.of("api-audit");
    }

    @Override
    protected void bindStandIns(Registry registry) {
        registry.bind("auditApi", new AuditApiStandIn());
    }

    /**
     * Stands in for AuditApi: notes the method and the path parameter; device "00000000" is refused, "FFFFFFFF"
     * fails unexpectedly.
     */
    public class AuditApiStandIn {
        private ApiResponse answer(String method, Exchange exchange) {
            Map<String, Object> headers = exchange.getMessage().getHeaders();
            Object key = headers.getOrDefault("deviceId", headers.get("orderNo"));
            called("auditApi." + method + (key == null ? "" : ":" + key));
            if ("00000000".equals(key)) {
                throw ApiException.badRequest("deviceId", "not a device");
            }
            if ("FFFFFFFF".equals(key)) {
                throw new IllegalStateException("Redis unreachable");
            }
            return ApiResponse.ok(Map.of("method", method));
        }

        public ApiResponse deviceEvents(Exchange e) { return answer("deviceEvents", e); }
        public ApiResponse deviceFrames(Exchange e) { return answer("deviceFrames", e); }
        public ApiResponse deviceHeartbeats(Exchange e) { return answer("deviceHeartbeats", e); }
        public ApiResponse session(Exchange e) { return answer("session", e); }
        public ApiResponse deviceSessions(Exchange e) { return answer("deviceSessions", e); }
        public ApiResponse stats(Exchange e) { return answer("stats", e); }
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource({
            "get, /audit/devices/{deviceId}/events, deviceId, 04A228CD, auditApi.deviceEvents:04A228CD",
            "get, /audit/devices/{deviceId}/frames, deviceId, 04A228CD, auditApi.deviceFrames:04A228CD",
            "get, /audit/devices/{deviceId}/heartbeats, deviceId, 04A228CD, auditApi.deviceHeartbeats:04A228CD",
            "get, /audit/sessions/{orderNo}, orderNo, ORDER-1, auditApi.session:ORDER-1",
            "get, /audit/devices/{deviceId}/sessions, deviceId, 04A228CD, auditApi.deviceSessions:04A228CD",
            "get, /audit/stats, none, none, auditApi.stats" })
    void should_map_each_audit_operation_to_its_audit_api_method(String verb, String path, String parameter,
            String value, String expectedCall) {
        Exchange answer = template.request(restUri(verb, path), e -> e.getMessage().setHeader(parameter, value));

        assertThat(calls).containsExactly(expectedCall);
        assertThat(answer.getMessage().getBody(String.class)).startsWith("{\"code\":0,\"message\":\"ok\"");
    }

    @Test
    void should_answer_a_refused_query_with_400_and_the_envelope() {
        Exchange answer = template.request(restUri("get", "/audit/devices/{deviceId}/events"),
                e -> e.getMessage().setHeader("deviceId", "00000000"));

        assertThat(answer.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE)).isEqualTo(400);
        assertThat(answer.getMessage().getBody(String.class)).contains("\"code\":400", "deviceId");
    }

    @Test
    void should_answer_an_unexpected_failure_with_500_naming_only_its_kind() {
        Exchange answer = template.request(restUri("get", "/audit/devices/{deviceId}/sessions"),
                e -> e.getMessage().setHeader("deviceId", "FFFFFFFF"));

        assertThat(answer.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE)).isEqualTo(500);
        assertThat(answer.getMessage().getBody(String.class))
                .contains("\"code\":500", "internal error: IllegalStateException")
                .doesNotContain("Redis unreachable");
    }
}
