package ap3000.gateway.redis;

import java.nio.file.Path;

import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;

/**
 * The Redis connection every other package uses: Sentinel, a cluster, an external server, or the embedded
 * redis-server.
 */
public class RedisWiring {

    @PropertyInject(value = "gateway.redis.url", defaultValue = "")
    String url;
    @PropertyInject("gateway.data-dir")
    String dataDir;
    @PropertyInject("gateway.redis.embedded-port")
    int embeddedPort;
    @PropertyInject("gateway.redis.appendfsync")
    String appendFsync;
    @PropertyInject("gateway.redis.timeout")
    java.time.Duration timeout;
    @PropertyInject("gateway.redis.pool-size")
    int poolSize;
    @PropertyInject(value = "gateway.redis.sentinel.master", defaultValue = "")
    String sentinelMaster;
    @PropertyInject(value = "gateway.redis.sentinel.nodes", defaultValue = "")
    String sentinelNodes;
    @PropertyInject(value = "gateway.redis.user", defaultValue = "")
    String user;
    @PropertyInject(value = "gateway.redis.password", defaultValue = "")
    String password;
    @PropertyInject(value = "gateway.redis.sentinel.password", defaultValue = "")
    String sentinelPassword;
    @PropertyInject(value = "gateway.redis.sentinel.tls", defaultValue = "false")
    boolean sentinelTls;
    @PropertyInject(value = "gateway.redis.cluster.nodes", defaultValue = "")
    String clusterNodes;
    @PropertyInject(value = "gateway.redis.cluster.tls", defaultValue = "false")
    boolean clusterTls;
    @PropertyInject(value = "gateway.redis.min-replicas-acked", defaultValue = "")
    String minReplicasAcked;
    @PropertyInject("gateway.redis.replica-ack-timeout")
    java.time.Duration replicaAckTimeout;

    public void wire(CamelContext context) throws Exception {
        RedisConnection redis = new RedisConnection(url, Path.of(dataDir), embeddedPort, appendFsync, timeout,
                poolSize);
        SentinelSettings sentinel = SentinelSettings.parse(sentinelMaster, sentinelNodes, user, password,
                sentinelPassword, sentinelTls);
        ClusterSettings cluster = ClusterSettings.parse(clusterNodes, user, password, clusterTls);
        // a settlement is acked once this many replicas have its journal entry (WAIT), docs/high-availability.md
        redis.sentinel(sentinel).cluster(cluster).executors(context.getExecutorServiceManager())
                .replicaAcks(RedisConnection.ReplicaAcks.resolve(minReplicasAcked, sentinel != null || cluster != null,
                        replicaAckTimeout, timeout));
        // started here, before any route, and stopped by the context after the routes and every other service
        context.addService(redis, true, true);
        context.getRegistry().bind("redis", redis);
    }
}
