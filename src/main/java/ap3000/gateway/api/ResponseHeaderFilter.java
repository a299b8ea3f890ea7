package ap3000.gateway.api;

import java.util.Locale;
import java.util.Set;

import org.apache.camel.Exchange;
import org.apache.camel.http.base.HttpHeaderFilterStrategy;

/**
 * What the HTTP server may send back as response headers. Camel copies every message header into the response,
 * and request headers and query parameters arrive as message headers: without this filter a client could echo
 * its API key or set {@code Set-Cookie} / {@code Access-Control-Allow-Origin} through a query parameter. Only the
 * headers the gateway itself sets pass; request headers are read as Camel's default filter reads them.
 */
public class ResponseHeaderFilter extends HttpHeaderFilterStrategy {

    private static final Set<String> ALLOWED = Set.of("content-type");

    @Override
    public boolean applyFilterToCamelHeaders(String headerName, Object headerValue, Exchange exchange) {
        return !ALLOWED.contains(headerName.toLowerCase(Locale.ROOT));
    }
}
