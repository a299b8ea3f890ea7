package ap3000.gateway.notify;

/** 410 Gone: the receiver says this endpoint no longer exists; it is disabled instead of retried. */
public class EndpointGoneException extends WebhookRejectedException {

    public EndpointGoneException(String responseSnippet) {
        super(410, responseSnippet);
    }
}
