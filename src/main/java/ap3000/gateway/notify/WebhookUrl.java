package ap3000.gateway.notify;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A receiver's URL as configured: http(s) with a host, never pointing at a link-local or cloud metadata address
 * (where a misconfigured or planted URL would read the host's instance credentials) unless the operator allows
 * it for that endpoint. Shown to people without its user info and query, where tokens live.
 */
final class WebhookUrl {

    /** Metadata services of the clouds the gateway runs in that are not link-local addresses. */
    private static final Set<String> METADATA_HOSTS = Set.of("metadata.google.internal", "metadata",
            "100.100.100.200", "fd00:ec2::254", "[fd00:ec2::254]");

    /** scheme://, user info to drop, host and path, then a query or fragment to drop. */
    private static final Pattern URL_SECRETS = Pattern.compile("(?i)(https?://)(?:[^/\\s@]*@)?([^\\s?#]*)\\S*");

    private WebhookUrl() {
    }

    /** Fails, naming the key and not the URL's secrets, when the URL may not be used. */
    static URI check(String key, String url, boolean allowLinkLocal) {
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(key + " is not a valid URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalStateException(key + " must be an http or https URL, was " + redacted(url));
        }
        if (uri.getHost() == null || uri.getHost().isBlank()) {
            throw new IllegalStateException(key + " has no host: " + redacted(url));
        }
        if (!allowLinkLocal && internal(uri.getHost())) {
            throw new IllegalStateException(key + " points at a link-local or cloud metadata address ("
                    + uri.getHost() + "); set " + key.replaceAll("url$", "allow-link-local") + "=true if you mean it");
        }
        return uri;
    }

    /** scheme://host:port/path, without user info and query. */
    static String redacted(String url) {
        try {
            URI uri = new URI(url.trim());
            return new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), uri.getPath(), null, null)
                    + (uri.getRawQuery() != null || uri.getRawUserInfo() != null ? " (query and user info hidden)" : "");
        } catch (URISyntaxException | RuntimeException e) {
            return "(unparsable URL)";
        }
    }

    /** Every URL in a text (an exception's message) without its user info and query. */
    static String redactedIn(String text) {
        return URL_SECRETS.matcher(text).replaceAll("$1$2");
    }

    /**
     * The host as written and, where it resolves now, every address it resolves to. A name that does not resolve
     * at start is let through: DNS may come later, and then it is an ordinary name.
     */
    private static boolean internal(String host) {
        String name = host.toLowerCase(Locale.ROOT);
        if (METADATA_HOSTS.contains(name)) {
            return true;
        }
        try {
            for (InetAddress address : InetAddress.getAllByName(name)) {
                if (address.isLinkLocalAddress() || METADATA_HOSTS.contains(address.getHostAddress())) {
                    return true;
                }
            }
        } catch (UnknownHostException e) {
            return false;
        }
        return false;
    }
}
