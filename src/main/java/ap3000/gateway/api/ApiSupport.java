package ap3000.gateway.api;

import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every API route shares: turning a refusal or a failure into the envelope with its HTTP status. The key
 * itself is checked before any route runs, by {@link ApiGuard}.
 */
public class ApiSupport {

    private static final Logger LOG = LoggerFactory.getLogger(ApiSupport.class);

    /**
     * The envelope for a refused request, with only its status and content type: whatever the failed step had set is
     * cleared (request headers never reach an answer anyway: {@link ResponseHeaderFilter}).
     */
    public ApiResponse refusal(Exchange exchange) {
        ApiException e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, ApiException.class);
        return answer(exchange, e.status(), new ApiResponse(e.status(), e.getMessage(), e.data()));
    }

    /** A body that is not JSON at all, refused by REST binding before any route step ran. */
    public ApiResponse invalidJson(Exchange exchange) {
        return answer(exchange, 400, ApiResponse.error(400, "body: not a JSON object"));
    }

    public ApiResponse failure(Exchange exchange) {
        Exception e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        LOG.error("API request {} {} failed", exchange.getMessage().getHeader(Exchange.HTTP_METHOD),
                exchange.getMessage().getHeader(Exchange.HTTP_URI), e);
        return answer(exchange, 500, ApiResponse.error(500, "internal error: " + e.getClass().getSimpleName()));
    }

    private static ApiResponse answer(Exchange exchange, int status, ApiResponse body) {
        exchange.getMessage().removeHeaders("*");
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        return body;
    }
}
