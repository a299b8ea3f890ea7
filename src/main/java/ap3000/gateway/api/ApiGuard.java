package ap3000.gateway.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ap3000.gateway.event.EventJson;
import ap3000.gateway.secrets.SecretFile;

/**
 * The API's door, in front of every {@code /api/v1} route on the HTTP server itself: the {@code X-API-Key} header
 * is checked, and an oversized body refused, before the request body is read or bound, so that clients without a
 * key cannot make the gateway buffer anything. Keys are compared in constant time. The OpenAPI document stays
 * readable without a key (it describes the API, it grants nothing).
 */
public final class ApiGuard implements Handler<RoutingContext>, StartupListener {

    public static final String API_KEY_HEADER = "X-API-Key";
    private static final Logger LOG = LoggerFactory.getLogger(ApiGuard.class);
    private static final ObjectMapper JSON = EventJson.mapper();
    /** Runs before the routes Camel adds (their order starts at 0), and so before their body handler. */
    private static final int BEFORE_CAMEL_ROUTES = -1000;

    private final String contextPath;
    private final int httpPort;
    private final List<byte[]> keyDigests;
    private final boolean open;
    private final long maxBodyBytes;
    private volatile boolean installed;

    ApiGuard(String contextPath, int httpPort, List<String> keys, boolean open, long maxBodyBytes) {
        this.contextPath = contextPath;
        this.httpPort = httpPort;
        this.keyDigests = keys.stream().map(ApiGuard::sha256).toList();
        this.open = open;
        this.maxBodyBytes = maxBodyBytes;
    }

    /**
     * The guard for the configured keys; with none configured, the key kept in the data directory (generated on
     * first start), unless the operator opened the API explicitly.
     */
    public static ApiGuard fromConfiguration(String contextPath, int httpPort, String configuredKeys, boolean open,
                                             Path dataDir, long maxBodyBytes) throws IOException {
        List<String> keys = Arrays.stream(configuredKeys == null ? new String[0] : configuredKeys.split(","))
                .map(String::trim).filter(k -> !k.isEmpty()).toList();
        if (open) {
            LOG.warn("*** gateway.api.open=true: the HTTP API under {} accepts requests WITHOUT an API key{}. ***",
                    contextPath, keys.isEmpty() ? "" : " (the keys in gateway.api.keys are not asked for)");
        } else if (keys.isEmpty()) {
            Path file = dataDir.resolve("api-key").toAbsolutePath();
            keys = List.of(SecretFile.readOrCreate(file));
            LOG.info("API key: none configured, so the gateway uses the one kept in {} (readable by this user only;"
                    + " send it as the X-API-Key header). To use your own keys set GATEWAY_API_KEYS.", file);
        }
        return new ApiGuard(contextPath, httpPort, keys, open, maxBodyBytes);
    }

    /**
     * Puts the check on the HTTP server once the server exists and before any route takes requests; the start fails
     * if it could not be put there ({@link StartupListener}).
     */
    public void protect(CamelContext context) throws Exception {
        PlatformHttpRouters.whenRoutesStart(context, this::install);
        context.addStartupListener(this);
    }

    /** Puts the guard on the HTTP server, before the REST routes. */
    void install(CamelContext context) {
        VertxPlatformHttpRouter router = PlatformHttpRouters.of(context, httpPort, "to put the API key check on");
        router.route(contextPath + "/*").order(BEFORE_CAMEL_ROUTES).handler(this).failureHandler(ctx -> {
            // a body without Content-Length that outgrew camel.server.max-body-size: the envelope, not a bare 413
            if (ctx.statusCode() == 413 && !ctx.response().ended()) {
                refuse(ctx, 413, tooLarge());
            } else {
                ctx.next();
            }
        });
        installed = true;
    }

    /**
     * Fails the start when the guard is not in place: {@link #install} runs from an event notifier, whose
     * exceptions Camel logs and ignores, and a gateway must never run with an open API by accident.
     */
    @Override
    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
        if (!installed) {
            throw new IllegalStateException("The API key check could not be installed on the HTTP server (see the"
                    + " error above); the gateway does not run with an unguarded API");
        }
    }

    @Override
    public void handle(RoutingContext ctx) {
        String key = ctx.request().getHeader(API_KEY_HEADER);
        String length = ctx.request().getHeader("Content-Length");
        if (!open && !ctx.normalizedPath().equals(contextPath + "/openapi.json") && !accepts(key)) {
            refuse(ctx, 401, key == null ? "missing X-API-Key header" : "invalid API key");
        } else if (length != null && exceeds(length)) {
            refuse(ctx, 413, tooLarge());
        } else {
            ctx.next();
        }
    }

    private String tooLarge() {
        return "body larger than " + maxBodyBytes + " bytes (gateway.api.max-body)";
    }

    /** Compares the digests of every key with no early exit, so the time taken says nothing about a key. */
    boolean accepts(String key) {
        if (key == null) {
            return false;
        }
        byte[] given = sha256(key);
        boolean match = false;
        for (byte[] digest : keyDigests) {
            match |= MessageDigest.isEqual(given, digest);
        }
        return match;
    }

    private boolean exceeds(String contentLength) {
        try {
            return Long.parseLong(contentLength.trim()) > maxBodyBytes;
        } catch (NumberFormatException e) {
            return true;
        }
    }

    /** The API's envelope; the connection is closed so an unread body is not waited for. */
    private static void refuse(RoutingContext ctx, int status, String message) {
        String body;
        try {
            body = JSON.writeValueAsString(ApiResponse.error(status, message));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        ctx.response().setStatusCode(status)
                .putHeader("Content-Type", "application/json")
                .putHeader("Connection", "close")
                .end(body);
    }

    private static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
