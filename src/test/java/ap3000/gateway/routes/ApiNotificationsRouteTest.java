package ap3000.gateway.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.apache.camel.Exchange;
import org.apache.camel.spi.Registry;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import ap3000.gateway.api.ApiResponse;

/**
 * routes/api-notifications.camel.yaml, structurally (the file is being reshaped for IoT-Zinx compatibility): each
 * REST operation exists under its id and reaches its notificationsApi method.
 */
class ApiNotificationsRouteTest extends RouteTestSupport {

    @Override
    protected List<String> routeFiles() {
        return List.of("api-notifications");
    }

    @Override
    protected void bindStandIns(Registry registry) {
        registry.bind("notificationsApi", new NotificationsApiStandIn());
        registry.bind("notificationFeed", new NotificationFeedStandIn());
    }

    /** Stands in for NotificationFeed (IoT-Zinx's /notifications/recent). */
    public class NotificationFeedStandIn {
        public ApiResponse recent(Exchange e) {
            called("notificationFeed.recent");
            return ApiResponse.ok(null);
        }
    }

    /** Stands in for NotificationsApi. */
    public class NotificationsApiStandIn {
        private ApiResponse answer(String method) {
            called("notificationsApi." + method);
            return ApiResponse.ok(null);
        }

        public ApiResponse deadLetters(Exchange e) { return answer("deadLetters"); }
        public ApiResponse endpoints(Exchange e) { return answer("endpoints"); }
        public ApiResponse attempts(Exchange e) { return answer("attempts"); }
        public ApiResponse replay(Exchange e) { return answer("replay"); }
        public ApiResponse replayAll(Exchange e) { return answer("replayAll"); }
        public ApiResponse enable(Exchange e) { return answer("enable"); }
        public ApiResponse delete(Exchange e) { return answer("delete"); }
    }

    @ParameterizedTest(name = "{0} {1} -> {3}")
    @CsvSource({
            "get, /notifications/recent, rest-notifications-recent, notificationFeed.recent",
            "get, /notifications/dead-letters, rest-dead-letters, notificationsApi.deadLetters",
            "get, /notifications/endpoints, rest-notification-endpoints, notificationsApi.endpoints",
            "get, /notifications/{eventId}/attempts, rest-notification-attempts, notificationsApi.attempts",
            "post, /notifications/dead-letters/{id}/replay, rest-dead-letter-replay, notificationsApi.replay",
            "post, /notifications/dead-letters/replay, rest-dead-letters-replay, notificationsApi.replayAll",
            "post, /notifications/endpoints/{name}/enable, rest-notification-endpoint-enable, notificationsApi.enable",
            "delete, /notifications/dead-letters/{id}, rest-dead-letter-delete, notificationsApi.delete" })
    void should_route_each_operation_to_its_bean(String verb, String path, String restId, String expectedCall) {
        assertThat(context.getRoute(restId)).as(restId).isNotNull();

        String answer = template.requestBody(restUri(verb, path), null, String.class);

        assertThat(calls).containsExactly(expectedCall);
        assertThat(answer).contains("\"code\":0");
    }
}
