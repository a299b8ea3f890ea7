package ap3000.gateway.ops;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The status page served at {@code /}: one HTML file with its script and styles (no build step), which reads the
 * JSON API with the operator's API key.
 */
public class StatusPage {

    private static final String RESOURCE = "/ops/status.html";

    private final String html;

    public StatusPage() {
        try (InputStream in = StatusPage.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + RESOURCE);
            }
            html = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String html() {
        return html;
    }
}
