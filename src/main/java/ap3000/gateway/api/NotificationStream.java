package ap3000.gateway.api;

import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;

import ap3000.gateway.event.EventJson;

/**
 * IoT-Zinx's {@code GET /notifications/stream} (notification_handlers.go HandleNotificationStream): Server-Sent
 * Events, each {@code data: <NotificationEventDTO>}, first the 50 latest matching events, then every new one, with
 * the filters of {@code /notifications/recent}. A response that stays open is not what a Camel REST route gives, so
 * this is a handler on the HTTP server itself, after {@link ApiGuard} (the API key is checked as for every path).
 * A client that does not keep up loses events rather than slowing the gateway, as IoT-Zinx's did.
 */
public final class NotificationStream implements Handler<RoutingContext> {

    /** After the API key check, before Camel's routes. */
    private static final int AFTER_API_GUARD = -999;
    private static final int REPLAYED = 50;
    private static final ObjectMapper JSON = EventJson.mapper();

    private final NotificationFeed feed;
    private final String path;
    private final int httpPort;

    public NotificationStream(NotificationFeed feed, String contextPath, int httpPort) {
        this.feed = feed;
        this.path = contextPath + "/notifications/stream";
        this.httpPort = httpPort;
    }

    /** The request path, for listing this operation beside the REST routes (OpenAPI). */
    public String path() {
        return path;
    }

    /** Puts the stream on the HTTP server once the server exists, before any route takes requests. */
    public void attach(CamelContext context) {
        PlatformHttpRouters.whenRoutesStart(context, this::install);
    }

    private void install(CamelContext context) {
        PlatformHttpRouters.of(context, httpPort, "for " + path).route(HttpMethod.GET, path).order(AFTER_API_GUARD)
                .handler(this);
    }

    @Override
    public void handle(RoutingContext ctx) {
        NotificationFeed.Filter filter;
        try {
            filter = NotificationFeed.Filter.of(ctx.request().getParam("event_types"),
                    ctx.request().getParam("device_id"), ctx.request().getParam("orderNo"),
                    ctx.request().getParam("port"), ctx.request().getParam("since"));
        } catch (ApiException e) {
            ctx.response().setStatusCode(e.status()).putHeader("Content-Type", "application/json")
                    .end(json(ApiResponse.error(e.status(), e.getMessage())));
            return;
        }
        HttpServerResponse response = ctx.response().setStatusCode(200).setChunked(true)
                .putHeader("Content-Type", "text/event-stream").putHeader("Cache-Control", "no-cache")
                .putHeader("Connection", "keep-alive");
        response.write(": " + REPLAYED + " latest, then live\n\n");
        for (Map<String, Object> dto : feed.recent(filter, REPLAYED)) {
            response.write(event(dto));
        }
        Context vertxContext = Vertx.currentContext();
        AutoCloseable listening = feed.listen(dto -> {
            if (filter.matches(dto)) {
                vertxContext.runOnContext(v -> {
                    if (!response.closed() && !response.ended() && !response.writeQueueFull()) {
                        response.write(event(dto));
                    }
                });
            }
        });
        response.closeHandler(v -> close(listening));
    }

    private static String event(Map<String, Object> dto) {
        return "data: " + json(dto) + "\n\n";
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void close(AutoCloseable listening) {
        try {
            listening.close();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
