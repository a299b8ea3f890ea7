package ap3000.gateway.notify;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * An event an endpoint did not take after every retry, with why. {@code body} is the exact payload that was
 * sent, so that a replay sends the same bytes with the same {@code event_id}.
 *
 * @param attempts       HTTP requests made for it, over every round
 * @param lastStatus     the last HTTP status, null when the last attempt got no answer (timeout, refused)
 * @param responseSnippet the start of the last response body
 */
public record DeadLetter(
        @JsonProperty("id") String id,
        @JsonProperty("endpoint") String endpoint,
        @JsonProperty("event_id") String eventId,
        @JsonProperty("event_type") String eventType,
        @JsonProperty("device_id") String deviceId,
        @JsonProperty("occurred_at_us") long occurredAtMicros,
        @JsonProperty("dead_lettered_at") long deadLetteredAtMillis,
        @JsonProperty("attempts") long attempts,
        @JsonProperty("last_status") Integer lastStatus,
        @JsonProperty("last_error") String lastError,
        @JsonProperty("response_snippet") String responseSnippet,
        @JsonProperty("body") String body) {

    public static String id(String endpoint, String eventId) {
        return endpoint + ":" + eventId;
    }
}
