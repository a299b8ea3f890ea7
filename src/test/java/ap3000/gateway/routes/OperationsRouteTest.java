package ap3000.gateway.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.Header;
import org.apache.camel.spi.Registry;
import org.junit.jupiter.api.Test;

import ap3000.gateway.api.ApiException;
import ap3000.gateway.api.ApiResponse;
import ap3000.gateway.ops.ConsoleAssets;
import ap3000.gateway.ops.StatusPage;

/**
 * routes/operations.camel.yaml with the timer and the platform-http consumers replaced by direct: endpoints: the
 * monitor refreshes the metrics before it evaluates the alerts and survives a failed tick; the pages are served
 * (by the real StatusPage and ConsoleAssets, which only read resources); the REST operations reach opsApi and a
 * refusal gets its status and the envelope (api-errors).
 */
class OperationsRouteTest extends RouteTestSupport {

    private volatile boolean refreshFails;

    @Override
    protected List<String> routeFiles() {
        return List.of("operations");
    }

    @Override
    protected Map<String, String> replacedConsumers() {
        return Map.of("ops-monitor", "direct:ops-monitor", "status-page", "direct:status-page",
                "console-page", "direct:console-page", "console-assets", "direct:console-assets");
    }

    @Override
    protected void bindStandIns(Registry registry) {
        registry.bind("gatewayMetrics", new MetricsStandIn());
        registry.bind("alerts", new AlertsStandIn());
        registry.bind("opsApi", new OpsApiStandIn());
        registry.bind("statusPage", new StatusPage());
        registry.bind("consoleAssets", new ConsoleAssets());
    }

    /** Stands in for GatewayMetrics. */
    public class MetricsStandIn {
        public void refresh() {
            called("gatewayMetrics.refresh");
            if (refreshFails) {
                throw new IllegalStateException("Redis unreachable");
            }
        }
    }

    /** Stands in for Alerts. */
    public class AlertsStandIn {
        public void evaluate() {
            called("alerts.evaluate");
        }
    }

    /** Stands in for OpsApi: refuses a limit of 0 as the real one does. */
    public class OpsApiStandIn {
        public ApiResponse status() {
            called("opsApi.status");
            return ApiResponse.ok(Map.of("devices", 3));
        }

        public ApiResponse alerts(@Header("limit") String limit) {
            called("opsApi.alerts:" + limit);
            if ("0".equals(limit)) {
                throw ApiException.badRequest("limit", "must be 1..100");
            }
            return ApiResponse.ok(List.of());
        }
    }

    @Test
    void should_refresh_the_metrics_then_evaluate_the_alerts() {
        refreshFails = false;

        template.sendBody("direct:ops-monitor", null);

        assertThat(calls).containsExactly("gatewayMetrics.refresh", "alerts.evaluate");
    }

    @Test
    void should_log_a_failed_tick_and_carry_on() {
        refreshFails = true;

        Exchange tick = template.send("direct:ops-monitor", e -> { });

        assertThat(tick.isFailed()).as("the next tick tries again").isFalse();
        assertThat(calls).containsExactly("gatewayMetrics.refresh");
    }

    @Test
    void should_serve_the_status_page_and_the_console_as_html() {
        Exchange page = template.send("direct:status-page", e -> { });
        Exchange console = template.send("direct:console-page", e -> { });

        assertThat(page.getMessage().getHeader(Exchange.CONTENT_TYPE)).isEqualTo("text/html; charset=utf-8");
        assertThat(page.getMessage().getBody(String.class)).containsIgnoringCase("<html");
        assertThat(console.getMessage().getHeader(Exchange.CONTENT_TYPE)).isEqualTo("text/html; charset=utf-8");
        assertThat(console.getMessage().getBody(String.class)).containsIgnoringCase("<html");
    }

    @Test
    void should_answer_404_for_a_console_asset_it_does_not_have() {
        Exchange asset = template.send("direct:console-assets", e -> e.getMessage().setHeader("asset", "../secret"));

        assertThat(asset.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE)).isEqualTo(404);
    }

    @Test
    void should_map_the_ops_rest_operations_to_the_ops_api() {
        String status = template.requestBody(restUri("get", "/ops/status"), null, String.class);
        String alerts = template.requestBodyAndHeader(restUri("get", "/ops/alerts"), null, "limit", "5", String.class);

        assertThat(calls).containsExactly("opsApi.status", "opsApi.alerts:5");
        assertThat(status).contains("\"code\":0", "\"devices\":3");
        assertThat(alerts).contains("\"code\":0");
    }

    @Test
    void should_answer_a_refused_request_with_its_status_and_the_envelope() {
        Exchange answer = template.request(restUri("get", "/ops/alerts"), e -> e.getMessage().setHeader("limit", "0"));

        assertThat(answer.isFailed()).isFalse();
        assertThat(answer.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE)).isEqualTo(400);
        assertThat(answer.getMessage().getBody(String.class)).contains("\"code\":400", "limit");
    }
}
