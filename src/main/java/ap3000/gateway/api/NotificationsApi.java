package ap3000.gateway.api;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.camel.Header;

import ap3000.gateway.event.EventJson;
import ap3000.gateway.notify.DeadLetter;
import ap3000.gateway.notify.WebhookMetrics;
import ap3000.gateway.notify.WebhookEndpoint;
import ap3000.gateway.notify.WebhookEndpoints;
import ap3000.gateway.notify.WebhookOutbox;
import ap3000.gateway.notify.WebhookWorkers;

/** Dead letters (list, replay, delete), attempt logs and the state of each webhook endpoint. */
public class NotificationsApi {

    private static final int DEFAULT_LIMIT = 100;
    private static final int MAX_LIMIT = 1000;
    /** Dead letters read from Redis per round while filtering. */
    private static final int PAGE = 1000;

    private final WebhookEndpoints endpoints;
    private final WebhookOutbox outbox;
    private final WebhookWorkers workers;
    private final WebhookMetrics metrics;
    private final Clock clock;

    public NotificationsApi(WebhookEndpoints endpoints, WebhookOutbox outbox, WebhookWorkers workers,
                            WebhookMetrics metrics, Clock clock) {
        this.endpoints = endpoints;
        this.outbox = outbox;
        this.workers = workers;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** Dead letters, oldest first, filtered by endpoint, event type and when they were dead-lettered. */
    public ApiResponse deadLetters(@Header("endpoint") String endpoint, @Header("type") String type,
                                   @Header("from") String from, @Header("to") String to,
                                   @Header("limit") String limit) {
        int max = QueryParams.number("limit", limit, DEFAULT_LIMIT, 1, MAX_LIMIT);
        List<DeadLetter> letters = find(endpoint, type, from, to, max);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("count", letters.size());
        data.put("total", outbox.deadLetterCount());
        data.put("dead_letters", letters.stream().map(NotificationsApi::view).toList());
        return ApiResponse.ok(data);
    }

    /** Sends a dead letter again with its event_id, in its place in the device's order. */
    public ApiResponse replay(@Header("id") String id) {
        DeadLetter letter = outbox.deadLetter(id)
                .orElseThrow(() -> ApiException.notFound("no dead letter " + id));
        requireConfigured(letter.endpoint());
        outbox.replay(letter);
        workers.wakeUp();
        return ApiResponse.ok(Map.of("replayed", 1, "ids", List.of(id)));
    }

    /** Replays every dead letter of an endpoint and/or time range (at least one of them must be given). */
    public ApiResponse replayAll(@Header("endpoint") String endpoint, @Header("from") String from,
                                 @Header("to") String to) {
        if (endpoint == null && from == null && to == null) {
            throw ApiException.badRequest("endpoint", "give an endpoint and/or a from/to range to replay");
        }
        if (endpoint != null) {
            requireConfigured(endpoint);
        }
        List<String> ids = new ArrayList<>();
        for (DeadLetter letter : find(endpoint, null, from, to, Integer.MAX_VALUE)) {
            if (endpoints.get(letter.endpoint()).isPresent() && outbox.replay(letter)) {
                ids.add(letter.id());
            }
        }
        workers.wakeUp();
        return ApiResponse.ok(Map.of("replayed", ids.size(), "ids", ids));
    }

    public ApiResponse delete(@Header("id") String id) {
        if (!outbox.delete(id)) {
            throw ApiException.notFound("no dead letter " + id);
        }
        return ApiResponse.ok(Map.of("deleted", id));
    }

    /** Every HTTP request made for an event, to every endpoint, oldest first (kept audit.ttl.notifications). */
    public ApiResponse attempts(@Header("eventId") String eventId) {
        List<String> log = outbox.attemptLog(eventId);
        if (log.isEmpty()) {
            throw ApiException.notFound("no delivery attempts recorded for event " + eventId);
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("event_id", eventId);
        data.put("attempts", log.stream().map(json -> EventJson.readValue(json, Map.class)).toList());
        return ApiResponse.ok(data);
    }

    /** Each endpoint: where it sends, its circuit, whether a 410 disabled it, what is queued, what it delivered. */
    public ApiResponse endpoints() {
        List<Map<String, Object>> list = new ArrayList<>();
        for (WebhookEndpoint endpoint : endpoints.all()) {
            Map<String, Object> status = new LinkedHashMap<>();
            status.put("name", endpoint.name());
            status.put("url", endpoint.displayUrl());
            status.put("event_types", endpoint.eventTypes());
            status.put("signed", !endpoint.secrets().isEmpty());
            status.put("rate_limit", endpoint.rateLimit());
            status.put("circuit", workers.circuitState(endpoint.name()));
            status.put("disabled", outbox.disabledReason(endpoint.name()).orElse(null));
            status.put("queued", outbox.depth(endpoint.name()));
            status.put("since_start", metrics.snapshot(endpoint.name()));
            list.add(status);
        }
        return ApiResponse.ok(Map.of("endpoints", list, "dead_letters", outbox.deadLetterCount()));
    }

    /** Turns an endpoint that answered 410 back on; its queued events are delivered from where they stopped. */
    public ApiResponse enable(@Header("name") String name) {
        requireConfigured(name);
        outbox.enable(name);
        workers.wakeUp();
        return ApiResponse.ok(Map.of("enabled", name));
    }

    private List<DeadLetter> find(String endpoint, String type, String from, String to, int max) {
        long toMillis = to == null ? clock.millis() : seconds("to", to) * 1000 + 999;
        long fromMillis = from == null ? 0 : seconds("from", from) * 1000;
        if (fromMillis > toMillis) {
            throw ApiException.badRequest("from", "must not be after to");
        }
        List<DeadLetter> found = new ArrayList<>();
        for (int offset = 0; found.size() < max; offset += PAGE) {
            List<DeadLetter> page = outbox.deadLetters(fromMillis, toMillis, offset, PAGE);
            for (DeadLetter letter : page) {
                if ((endpoint == null || endpoint.equals(letter.endpoint()))
                        && (type == null || type.equals(letter.eventType())) && found.size() < max) {
                    found.add(letter);
                }
            }
            if (page.size() < PAGE) {
                break;
            }
        }
        return found;
    }

    private void requireConfigured(String endpoint) {
        if (endpoints.get(endpoint).isEmpty()) {
            throw ApiException.badRequest("endpoint", "'" + endpoint + "' is not a configured webhook endpoint");
        }
    }

    /** A dead letter as the API shows it: the payload as JSON, not as an escaped string. */
    private static Map<String, Object> view(DeadLetter letter) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", letter.id());
        view.put("endpoint", letter.endpoint());
        view.put("event_id", letter.eventId());
        view.put("event_type", letter.eventType());
        view.put("device_id", letter.deviceId());
        view.put("dead_lettered_at", letter.deadLetteredAtMillis() / 1000);
        view.put("attempts", letter.attempts());
        view.put("last_status", letter.lastStatus());
        view.put("last_error", letter.lastError());
        view.put("response_snippet", letter.responseSnippet());
        view.put("payload", EventJson.readValue(letter.body(), Map.class));
        return view;
    }

    private static long seconds(String field, String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(field, "must be Unix seconds, was '" + value + "'");
        }
    }
}
