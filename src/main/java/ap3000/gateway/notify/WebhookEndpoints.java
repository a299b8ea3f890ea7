package ap3000.gateway.notify;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.spi.RouteTemplateParameterSource;
import org.apache.camel.util.TimeUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ap3000.gateway.event.EventType;

/**
 * The webhook receivers named in {@code notify.endpoints}, read through the properties component so that an
 * operator can configure them entirely from the environment ({@code NOTIFY_ENDPOINTS=billing},
 * {@code NOTIFY_ENDPOINTS_BILLING_URL=...}). Camel asks this source, at start, for one delivery route per enabled
 * endpoint, made from the {@code webhook-call} route template. A value names an environment variable with Camel's
 * own property function, {@code {{env:NAME}}} or {@code {{env:NAME:default}}}, which the properties component resolves.
 */
public final class WebhookEndpoints implements RouteTemplateParameterSource {

    public static final String TEMPLATE = "webhook-call";
    private static final String SECRET_PREFIX = "whsec_";
    /** Standard Webhooks: a secret of 24 to 64 random bytes. */
    private static final int MIN_SECRET_BYTES = 24;
    private static final Logger LOG = LoggerFactory.getLogger(WebhookEndpoints.class);
    /**
     * {@code ${NAME}} or {@code ${NAME:default}} in a value: the gateway's own form before {@code {{env:NAME}}},
     * still taken from the environment for operators who wrote it, with a warning.
     */
    private static final Pattern ENV_REFERENCE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?}");

    /** Keys already warned about, so that reading the configuration again does not repeat the warning. */
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

    private final Map<String, WebhookEndpoint> endpoints;

    private WebhookEndpoints(Map<String, WebhookEndpoint> endpoints) {
        this.endpoints = endpoints;
    }

    /** Fails at start, naming the key, when an endpoint is configured wrongly: better than silently not sending. */
    public static WebhookEndpoints read(PropertiesComponent properties) {
        return read(key -> properties.resolveProperty(key).map(v -> fromEnvironment(key, v, System::getenv)));
    }

    static WebhookEndpoints read(Function<String, Optional<String>> config) {
        Map<String, WebhookEndpoint> endpoints = new LinkedHashMap<>();
        for (String name : list(config.apply("notify.endpoints").orElse(""))) {
            if (!name.matches("[a-z0-9][a-z0-9-]*")) {
                throw new IllegalStateException("notify.endpoints: '" + name
                        + "' is not a valid endpoint name (lower-case letters, digits and dashes)");
            }
            String prefix = "notify.endpoints." + name + ".";
            if (!Boolean.parseBoolean(config.apply(prefix + "enabled").orElse("true"))) {
                continue;
            }
            String url = config.apply(prefix + "url").filter(u -> !u.isBlank())
                    .orElseThrow(() -> new IllegalStateException("Missing configuration: " + prefix + "url"));
            // as checked: a trailing newline of a secrets file must not reach the HTTP client, whose error would quote it
            url = WebhookUrl.check(prefix + "url", url,
                    Boolean.parseBoolean(config.apply(prefix + "allow-link-local").orElse("false"))).toString();
            Set<String> types = new LinkedHashSet<>(list(config.apply(prefix + "event-types").orElse("")));
            for (String type : types) {
                if (Arrays.stream(EventType.values()).noneMatch(t -> t.wireName().equals(type))) {
                    throw new IllegalStateException(prefix + "event-types: unknown event type '" + type + "'");
                }
            }
            List<byte[]> secrets = new ArrayList<>();
            for (String secret : list(config.apply(prefix + "secret").orElse(""))) {
                secrets.add(secretKey(prefix + "secret", secret));
            }
            Duration timeout = TimeUtils.toDuration(config.apply(prefix + "timeout").orElse("10s"));
            int rateLimit = Integer.parseInt(config.apply(prefix + "rate-limit").orElse("0").trim());
            String apiKey = config.apply(prefix + "api-key").filter(k -> !k.isBlank()).orElse(null);
            boolean conflate = Boolean.parseBoolean(config.apply(prefix + "conflate-heartbeats").orElse("true").trim());
            endpoints.put(name, new WebhookEndpoint(name, url, types, List.copyOf(secrets), apiKey, timeout,
                    rateLimit, conflate));
        }
        return new WebhookEndpoints(endpoints);
    }

    public List<WebhookEndpoint> all() {
        return List.copyOf(endpoints.values());
    }

    /** Which of these event types some endpoint receives (wire names): decided once, at start. */
    public Set<String> subscribed(EventType... types) {
        Set<String> subscribed = new LinkedHashSet<>();
        for (EventType type : types) {
            if (endpoints.values().stream().anyMatch(endpoint -> endpoint.subscribes(type.wireName()))) {
                subscribed.add(type.wireName());
            }
        }
        return subscribed;
    }

    public Optional<WebhookEndpoint> get(String name) {
        return Optional.ofNullable(endpoints.get(name));
    }

    /** The route of an endpoint: {@code webhook-billing}. */
    public static String routeId(String endpoint) {
        return "webhook-" + endpoint;
    }

    @Override
    public Set<String> routeIds() {
        Set<String> ids = new LinkedHashSet<>();
        endpoints.keySet().forEach(name -> ids.add(routeId(name)));
        return ids;
    }

    @Override
    public Map<String, Object> parameters(String routeId) {
        WebhookEndpoint endpoint = endpoints.get(routeId.substring("webhook-".length()));
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put(TEMPLATE_ID, TEMPLATE);
        parameters.put("name", endpoint.name());
        parameters.put("timeoutMillis", Long.toString(endpoint.timeout().toMillis()));
        parameters.put("rateLimit", Integer.toString(Math.max(1, endpoint.rateLimit())));
        parameters.put("throttled", Boolean.toString(endpoint.rateLimit() > 0));
        return parameters;
    }

    /**
     * Replaces the deprecated {@code ${NAME}} and {@code ${NAME:default}} with the environment's value (unset and no
     * default: ""), warning once per key; the warning names the key and the variable, never the value.
     */
    static String fromEnvironment(String key, String value, UnaryOperator<String> environment) {
        Matcher m = ENV_REFERENCE.matcher(value);
        StringBuilder resolved = new StringBuilder();
        while (m.find()) {
            if (WARNED.add(key)) {
                LOG.warn("{}: ${{}} is deprecated, write {{env:{}}} (Camel's property function) instead", key,
                        m.group(1), m.group(1));
            }
            String found = environment.apply(m.group(1));
            String replacement = found != null ? found : m.group(2) != null ? m.group(2) : "";
            m.appendReplacement(resolved, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(resolved);
        return resolved.toString();
    }

    private static byte[] secretKey(String key, String secret) {
        if (!secret.startsWith(SECRET_PREFIX)) {
            throw new IllegalStateException(key + " must start with " + SECRET_PREFIX);
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(secret.substring(SECRET_PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(key + ": the part after " + SECRET_PREFIX + " is not base64");
        }
        if (bytes.length < MIN_SECRET_BYTES) {
            throw new IllegalStateException(key + ": the part after " + SECRET_PREFIX + " must be at least "
                    + MIN_SECRET_BYTES + " random bytes, base64 (Standard Webhooks), was " + bytes.length);
        }
        return bytes;
    }

    private static List<String> list(String value) {
        return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
