package ap3000.gateway.api;

import java.util.Locale;
import java.util.Set;

import org.apache.camel.Exchange;
import org.apache.camel.http.base.HttpHeaderFilterStrategy;

/**
 * What the HTTP server may send back as response headers. Camel copies every message header into the response,
 * and request headers and query parameters arrive as message headers: without this filter a client could echo
 * its API key or set {@code Set-Cookie} / {@code Access-Control-Allow-Origin} through a query parameter. Only the
 * the gateway's own content types pass; request headers are read as Camel's default filter reads them.
 */
public class ResponseHeaderFilter extends HttpHeaderFilterStrategy {

    /** The content types the gateway answers with; a client's own (a header, a query parameter) never passes. */
    private static final Set<String> CONTENT_TYPES = Set.of("application/json", "text/html; charset=utf-8",
            // the files of Swagger UI at /docs/ (ApiExplorer)
            "text/css; charset=utf-8", "text/javascript; charset=utf-8", "image/png", "text/plain; charset=utf-8");

    @Override
    public boolean applyFilterToCamelHeaders(String headerName, Object headerValue, Exchange exchange) {
        return !(headerName.equalsIgnoreCase("Content-Type") && headerValue != null
                && CONTENT_TYPES.contains(headerValue.toString().toLowerCase(Locale.ROOT)));
    }
}
