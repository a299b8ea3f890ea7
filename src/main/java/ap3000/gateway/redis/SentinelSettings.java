package ap3000.gateway.redis;

import java.util.LinkedHashSet;
import java.util.Set;

import redis.clients.jedis.HostAndPort;

/**
 * A Redis run under Sentinel: the name of the monitored master ({@code gateway.redis.sentinel.master}) and the
 * sentinels that know where it is ({@code gateway.redis.sentinel.nodes}). The client asks the sentinels for the
 * current master and follows it when they promote a replica.
 *
 * @param user             user name on the data nodes (master and replicas); null for the default user
 * @param password         password of the data nodes; null when they ask for none
 * @param sentinelPassword password of the sentinels themselves; null when they ask for none
 * @param tls              TLS to the sentinels and to the data nodes
 */
public record SentinelSettings(String master, Set<HostAndPort> nodes, String user, String password,
                               String sentinelPassword, boolean tls) {

    /**
     * The settings, or null when {@code master} is empty (no Sentinel). Bad input fails naming the key, never
     * quoting a password.
     */
    public static SentinelSettings parse(String master, String nodes, String user, String password,
                                         String sentinelPassword, boolean tls) {
        if (master == null || master.isBlank()) {
            if (nodes != null && !nodes.isBlank()) {
                throw new IllegalArgumentException("gateway.redis.sentinel.nodes is set but gateway.redis.sentinel.master"
                        + " is empty: name the master the sentinels monitor");
            }
            return null;
        }
        Set<HostAndPort> parsed = new LinkedHashSet<>();
        for (String node : (nodes == null ? "" : nodes).split(",")) {
            if (!node.isBlank()) {
                parsed.add(hostAndPort("gateway.redis.sentinel.nodes", node.trim()));
            }
        }
        if (parsed.isEmpty()) {
            throw new IllegalArgumentException("gateway.redis.sentinel.nodes must list the sentinels as host:port,"
                    + "host:port when gateway.redis.sentinel.master is set");
        }
        return new SentinelSettings(master.trim(), Set.copyOf(parsed), emptyToNull(user), emptyToNull(password),
                emptyToNull(sentinelPassword), tls);
    }

    /** One {@code host:port} of the list under {@code key}; bad input fails naming the key. */
    static HostAndPort hostAndPort(String key, String node) {
        int colon = node.lastIndexOf(':');
        if (colon <= 0 || colon == node.length() - 1) {
            throw new IllegalArgumentException(key + ": '" + node + "' is not host:port");
        }
        int port;
        try {
            port = Integer.parseInt(node.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(key + ": '" + node + "' has no valid port");
        }
        return new HostAndPort(node.substring(0, colon), port);
    }

    private static String emptyToNull(String value) {
        return value == null || value.isEmpty() ? null : value;
    }

    /** What the health check shows: master name and sentinels, no password. */
    public String describe() {
        return "redis-sentinel://" + master + "@" + String.join(",", nodes.stream().map(HostAndPort::toString)
                .sorted().toList()) + (tls ? " (TLS)" : "");
    }

    @Override
    public String toString() {
        // a record's toString would print the passwords
        return describe();
    }
}
