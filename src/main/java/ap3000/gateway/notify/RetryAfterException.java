package ap3000.gateway.notify;

import java.time.Duration;

/** 429 or 503 with a Retry-After header: the receiver said when to come back, so no quick retries before that. */
public class RetryAfterException extends WebhookRejectedException {

    private final Duration retryAfter;

    public RetryAfterException(int status, String responseSnippet, Duration retryAfter) {
        super(status, responseSnippet);
        this.retryAfter = retryAfter;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
