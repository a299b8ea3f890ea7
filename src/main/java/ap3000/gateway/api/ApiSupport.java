package ap3000.gateway.api;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every API route shares: the {@code X-API-Key} check against {@code gateway.api.keys}, and turning a
 * refusal or a failure into the envelope with its HTTP status.
 */
public class ApiSupport {

    public static final String API_KEY_HEADER = "X-API-Key";
    private static final Logger LOG = LoggerFactory.getLogger(ApiSupport.class);

    private final Set<String> keys;

    /** @param keys comma-separated; empty leaves the API open, which is logged loudly at start */
    public ApiSupport(String keys) {
        this.keys = Arrays.stream(keys == null ? new String[0] : keys.split(","))
                .map(String::trim).filter(k -> !k.isEmpty()).collect(Collectors.toUnmodifiableSet());
        if (this.keys.isEmpty()) {
            LOG.warn("*** gateway.api.keys is empty: the HTTP API under /api/v1 accepts requests WITHOUT an API key."
                    + " Set GATEWAY_API_KEYS in production. ***");
        }
    }

    public void authenticate(Exchange exchange) {
        if (keys.isEmpty()) {
            return;
        }
        String key = exchange.getMessage().getHeader(API_KEY_HEADER, String.class);
        if (key == null || !keys.contains(key)) {
            throw new ApiException(401, key == null ? "missing X-API-Key header" : "invalid API key");
        }
    }

    /** The envelope for a refused request. Request headers are removed so they are not echoed back. */
    public ApiResponse refusal(Exchange exchange) {
        ApiException e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, ApiException.class);
        return answer(exchange, e.status(), ApiResponse.error(e.status(), e.getMessage()));
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
