package ap3000.gateway.device;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import ap3000.gateway.protocol.DeviceIds;
import ap3000.gateway.redis.RedisConnection;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.params.SetParams;

/**
 * Which gateway node holds a device's connection, in Redis ({@code gateway:device:{id}:node}), so that a
 * command for the device can reach it from any node. Claimed when the device comes online on this node,
 * refreshed while it stays, released when it goes offline here; a node that dies lets its claims expire.
 */
public class DeviceOwnership {

    /** Deletes the claim only if it is still this node's (the device may have moved meanwhile). */
    private static final String RELEASE = """
            if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
            return 0
            """;

    private final RedisConnection redis;
    private final String node;
    private final long ttlSeconds;

    public DeviceOwnership(RedisConnection redis, String node, Duration ttl) {
        this.redis = redis;
        this.node = node;
        this.ttlSeconds = ttl.toSeconds();
    }

    public String node() {
        return node;
    }

    public void claim(int physicalId) {
        redis.client().set(key(physicalId), node, SetParams.setParams().ex(ttlSeconds));
    }

    public void release(int physicalId) {
        redis.client().eval(RELEASE, List.of(key(physicalId)), List.of(node));
    }

    /** Re-claims every device online here, in one round trip; the sweep calls it. */
    public void refresh(List<Integer> online) {
        if (online.isEmpty()) {
            return;
        }
        try (AbstractPipeline p = redis.pipelined()) {
            for (int physicalId : online) {
                p.setex(key(physicalId), ttlSeconds, node);
            }
            RedisConnection.syncOrThrow(p);
        }
    }

    /** The node holding the device's connection, if any node does. */
    public Optional<String> ownerOf(int physicalId) {
        return Optional.ofNullable(redis.client().get(key(physicalId)));
    }

    private static String key(int physicalId) {
        return "gateway:device:" + DeviceIds.format(physicalId) + ":node";
    }
}
