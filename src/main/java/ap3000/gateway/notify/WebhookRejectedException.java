package ap3000.gateway.notify;

/** The receiver answered, but not with 2xx. */
public class WebhookRejectedException extends RuntimeException {

    private final int status;
    private final String responseSnippet;

    public WebhookRejectedException(int status, String responseSnippet) {
        super("HTTP " + status + (responseSnippet.isEmpty() ? "" : ": " + responseSnippet));
        this.status = status;
        this.responseSnippet = responseSnippet;
    }

    public int status() {
        return status;
    }

    public String responseSnippet() {
        return responseSnippet;
    }
}
