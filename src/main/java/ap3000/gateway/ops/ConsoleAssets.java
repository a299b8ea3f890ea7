package ap3000.gateway.ops;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.Header;

/**
 * The support console's files under {@code /console/} (plain HTML, CSS and JS, no build step), read once from the
 * jar. Only the files named here are served: a request can never reach another resource of the classpath.
 */
public class ConsoleAssets {

    /** The page itself, served at {@code /console}. */
    public static final String PAGE = "index.html";
    private static final String FOLDER = "/ops/console/";
    private static final Map<String, String> CONTENT_TYPES = Map.of(
            PAGE, "text/html; charset=utf-8",
            "console.css", "text/css; charset=utf-8",
            "console-api.js", "text/javascript; charset=utf-8",
            "console.js", "text/javascript; charset=utf-8");

    private final Map<String, String> files = new LinkedHashMap<>();

    public ConsoleAssets() {
        for (String name : CONTENT_TYPES.keySet()) {
            try (InputStream in = ConsoleAssets.class.getResourceAsStream(FOLDER + name)) {
                if (in == null) {
                    throw new IllegalStateException("missing resource " + FOLDER + name);
                }
                files.put(name, new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** The named file with its content type, or a 404 for any other name. */
    public String serve(@Header("asset") String name, Exchange exchange) {
        String body = name == null ? null : files.get(name);
        if (body == null) {
            exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 404);
            exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "text/html; charset=utf-8");
            return "not found";
        }
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, CONTENT_TYPES.get(name));
        return body;
    }
}
