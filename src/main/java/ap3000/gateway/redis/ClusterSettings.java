package ap3000.gateway.redis;

import java.util.LinkedHashSet;
import java.util.Set;

import redis.clients.jedis.HostAndPort;

/**
 * A Redis Cluster: some of its nodes ({@code gateway.redis.cluster.nodes}) from which the client learns the whole
 * topology, which master holds which slots, and follows it when slots move or a replica is promoted.
 *
 * @param user     user name on every node; null for the default user
 * @param password password of the nodes; null when they ask for none
 * @param tls      TLS to every node
 */
public record ClusterSettings(Set<HostAndPort> nodes, String user, String password, boolean tls) {

    /** The settings, or null when {@code nodes} is empty (no cluster). Bad input fails naming the key. */
    public static ClusterSettings parse(String nodes, String user, String password, boolean tls) {
        if (nodes == null || nodes.isBlank()) {
            return null;
        }
        Set<HostAndPort> parsed = new LinkedHashSet<>();
        for (String node : nodes.split(",")) {
            if (!node.isBlank()) {
                parsed.add(SentinelSettings.hostAndPort("gateway.redis.cluster.nodes", node.trim()));
            }
        }
        if (parsed.isEmpty()) {
            throw new IllegalArgumentException("gateway.redis.cluster.nodes must list cluster nodes as host:port,"
                    + "host:port");
        }
        return new ClusterSettings(Set.copyOf(parsed), emptyToNull(user), emptyToNull(password), tls);
    }

    private static String emptyToNull(String value) {
        return value == null || value.isEmpty() ? null : value;
    }

    /** What the health check shows: the seed nodes, no password. */
    public String describe() {
        return "redis-cluster://" + String.join(",", nodes.stream().map(HostAndPort::toString).sorted().toList())
                + (tls ? " (TLS)" : "");
    }

    @Override
    public String toString() {
        // a record's toString would print the password
        return describe();
    }
}
