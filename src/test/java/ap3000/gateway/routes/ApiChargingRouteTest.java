package ap3000.gateway.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.apache.camel.Exchange;
import org.apache.camel.spi.Registry;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import ap3000.gateway.api.ApiResponse;

/**
 * routes/api-charging.camel.yaml, structurally: each REST operation (IoT-Zinx's paths and the gateway's own) exists
 * under its id and reaches its chargingApi, deviceApi or opsApi method.
 */
class ApiChargingRouteTest extends RouteTestSupport {

    @Override
    protected List<String> routeFiles() {
        return List.of("api-charging");
    }

    @Override
    protected void bindStandIns(Registry registry) {
        registry.bind("remoteDevices", new RemoteDevicesStandIn());
        registry.bind("chargingApi", new ChargingApiStandIn());
        registry.bind("deviceApi", new DeviceApiStandIn());
        registry.bind("opsApi", new OpsApiStandIn());
    }

    /** Stands in for RemoteDevices: every device is on this node, so nothing is forwarded. */
    public class RemoteDevicesStandIn {
        public void forwardIfElsewhere(Exchange exchange) {
        }
    }

    /** Stands in for ChargingApi. */
    public class ChargingApiStandIn {
        private ApiResponse answer(String method) {
            called("chargingApi." + method);
            return ApiResponse.ok(null);
        }

        public ApiResponse start(Exchange e) { return answer("start"); }
        public ApiResponse stop(Exchange e) { return answer("stop"); }
        public ApiResponse modify(Exchange e) { return answer("modify"); }
        public ApiResponse updatePower(Exchange e) { return answer("updatePower"); }
    }

    /** Stands in for OpsApi (the IoT-Zinx /health). */
    public class OpsApiStandIn {
        public ApiResponse health(Exchange e) {
            called("opsApi.health");
            return ApiResponse.ok(null);
        }
    }

    /** Stands in for DeviceApi. */
    public class DeviceApiStandIn {
        private ApiResponse answer(String method) {
            called("deviceApi." + method);
            return ApiResponse.ok(null);
        }

        public ApiResponse devices(Exchange e) { return answer("devices"); }
        public ApiResponse status(Exchange e) { return answer("status"); }
        public ApiResponse query(Exchange e) { return answer("query"); }
        public ApiResponse queryParameters(Exchange e) { return answer("queryParameters"); }
        public ApiResponse setParameters(Exchange e) { return answer("setParameters"); }
        public ApiResponse locate(Exchange e) { return answer("locate"); }
        public ApiResponse reboot(Exchange e) { return answer("reboot"); }
        public ApiResponse stats(Exchange e) { return answer("stats"); }
    }

    @ParameterizedTest(name = "{0} {1} -> {3}")
    @CsvSource({
            "post, /charging/start, rest-charging-start, chargingApi.start",
            "post, /charging/stop, rest-charging-stop, chargingApi.stop",
            "post, /charging/modify, rest-charging-modify, chargingApi.modify",
            "post, /charging/update_power, rest-charging-update-power, chargingApi.updatePower",
            "get, /health, rest-health, opsApi.health",
            "get, /device/{deviceId}/query, rest-device-query, deviceApi.query",
            "get, /devices, rest-devices, deviceApi.devices",
            "get, /stats, rest-stats, deviceApi.stats",
            "get, /device/{deviceId}/status, rest-device-status, deviceApi.status",
            "get, /device/{deviceId}/params/{block}, rest-device-params-query, deviceApi.queryParameters",
            "put, /device/{deviceId}/params/{block}, rest-device-params-set, deviceApi.setParameters",
            "post, /device/locate, rest-device-locate, deviceApi.locate",
            "post, /device/reboot, rest-device-reboot, deviceApi.reboot" })
    void should_route_each_operation_to_its_bean(String verb, String path, String restId, String expectedCall) {
        assertThat(context.getRoute(restId)).as(restId).isNotNull();

        Exchange answer = template.request(restUri(verb, path), e -> {
            e.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
            e.getMessage().setBody("{}");
        });

        assertThat(calls).containsExactly(expectedCall);
        assertThat(answer.getMessage().getBody(String.class)).contains("\"code\":0");
    }
}
