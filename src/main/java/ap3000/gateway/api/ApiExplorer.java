package ap3000.gateway.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.Header;
import org.apache.camel.Message;

/**
 * Swagger UI on the API's OpenAPI document, at {@code /docs/}: the page and the files of the swagger-ui WebJar
 * (nothing from a CDN; the gateway may have no Internet). The API key is entered with Swagger's Authorize button,
 * kept in the page only, and sent as the X-API-Key header, never in a URL.
 */
public class ApiExplorer {

    /** Where the page is served; its files are relative to it. */
    public static final String PATH = "/docs";
    private static final String WEBJAR = "/META-INF/resources/webjars/swagger-ui/5.34.1/";
    /** The only files served, by name: nothing else of the class path can be asked for. */
    private static final Map<String, String> FILES = Map.of(
            "swagger-ui.css", "text/css; charset=utf-8",
            "swagger-ui-bundle.js", "text/javascript; charset=utf-8",
            "swagger-ui-standalone-preset.js", "text/javascript; charset=utf-8",
            "favicon-32x32.png", "image/png");

    private final byte[] page;
    private final byte[] initializer;

    /** @param contextPath the API's context path, where the page finds openapi.json */
    public ApiExplorer(String contextPath) {
        page = read("/docs/index.html");
        // layout without the top bar: this page shows one document, and its URL box would invite others
        initializer = ("""
                window.onload = function () {
                  window.ui = SwaggerUIBundle({
                    url: %s,
                    dom_id: '#swagger-ui',
                    deepLinking: true,
                    persistAuthorization: false,
                    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
                    layout: 'BaseLayout'
                  });
                };
                """.formatted(jsString(contextPath + "/openapi.json"))).getBytes(StandardCharsets.UTF_8);
    }

    /** The file the request asks for under {@link #PATH} ({@code /docs} and {@code /docs/} are the page), or 404. */
    public byte[] serve(@Header(Exchange.HTTP_PATH) String path, Exchange exchange) {
        // the path as the server saw it, with or without the route's own /docs in front
        String name = path == null ? "" : path.replaceFirst("^" + PATH, "").replaceFirst("^/", "");
        Message answer = exchange.getMessage();
        answer.removeHeaders("*");
        if (name.isEmpty() || name.equals("index.html")) {
            answer.setHeader(Exchange.CONTENT_TYPE, "text/html; charset=utf-8");
            return page;
        }
        if (name.equals("gateway-docs.js")) {
            answer.setHeader(Exchange.CONTENT_TYPE, "text/javascript; charset=utf-8");
            return initializer;
        }
        String type = FILES.get(name);
        if (type == null) {
            answer.setHeader(Exchange.HTTP_RESPONSE_CODE, 404);
            answer.setHeader(Exchange.CONTENT_TYPE, "text/plain; charset=utf-8");
            return "not found".getBytes(StandardCharsets.UTF_8);
        }
        answer.setHeader(Exchange.CONTENT_TYPE, type);
        return read(WEBJAR + name);
    }

    private static String jsString(String text) {
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    private static byte[] read(String resource) {
        try (InputStream in = ApiExplorer.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
