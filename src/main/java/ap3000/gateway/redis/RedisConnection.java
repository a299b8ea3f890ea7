package ap3000.gateway.redis;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.apache.camel.spi.ExecutorServiceManager;
import org.apache.camel.support.service.ServiceSupport;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.CommandObjects;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.RedisSentinelClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.providers.ClusterConnectionProvider;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * The gateway's Redis: the master a set of sentinels names ({@link #sentinel}), a Redis Cluster ({@link #cluster}),
 * the server named by {@code gateway.redis.url}, or, when none is set, an embedded redis-server in the data
 * directory. Every component goes through {@link #client()} and {@link #pipelined()}, whichever it is. A Camel
 * service, so that it starts before the routes and stops after them.
 */
public class RedisConnection extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(RedisConnection.class);
    /** How often the slots of a cluster are read again; a failover there takes longer (cluster-node-timeout). */
    private static final Duration CLUSTER_TOPOLOGY_REFRESH = Duration.ofSeconds(2);
    /** Commands sent on a connection of one cluster node (publish, script load). */
    private static final CommandObjects COMMANDS = new CommandObjects();

    private final String configuredUrl;
    private final Path dataDir;
    private final int embeddedPort;
    private final String appendFsync;
    private final Duration timeout;
    private final int poolSize;

    private SentinelSettings sentinel;
    private ClusterSettings cluster;
    private ExecutorServiceManager executors;
    private ReplicaAcks replicaAcks = ReplicaAcks.NONE;

    private EmbeddedRedis embedded;
    private UnifiedJedis client;
    private Supplier<AbstractPipeline> pipelines;
    private Supplier<HostAndPort> currentMaster;
    private ClusterConnectionProvider clusterNodes;
    private JedisClientConfig dataConfig;
    private final Set<Subscription> subscriptions = ConcurrentHashMap.newKeySet();
    private ScheduledExecutorService masterWatch;
    private String redactedUrl;

    /**
     * A subscription's own connection, the first channel it listens to, and the master it was opened to (with a
     * cluster: the master of that channel's slot).
     */
    private record Subscription(String channel, HostAndPort master, Connection connection) {
    }

    /**
     * How many replicas must have a settlement's journal entry before the device is acked ({@code WAIT}), and how
     * long to wait for them. No replica asked for: the master's answer is enough.
     */
    public record ReplicaAcks(int replicas, Duration timeout) {
        public static final ReplicaAcks NONE = new ReplicaAcks(0, Duration.ZERO);

        /**
         * @param configured {@code gateway.redis.min-replicas-acked}; empty means 1 with Sentinel (it has replicas),
         *                   0 otherwise
         */
        public static ReplicaAcks resolve(String configured, boolean replicated, Duration timeout,
                                          Duration socketTimeout) {
            int replicas;
            try {
                replicas = configured == null || configured.isBlank() ? (replicated ? 1 : 0)
                        : Integer.parseInt(configured.trim());
            } catch (NumberFormatException e) {
                replicas = -1;
            }
            if (replicas < 0) {
                throw new IllegalArgumentException("gateway.redis.min-replicas-acked must be a number of replicas "
                        + "(0 or more), not '" + configured + "'");
            }
            if (replicas > 0 && (timeout.isZero() || timeout.isNegative() || timeout.compareTo(socketTimeout) >= 0)) {
                throw new IllegalArgumentException("gateway.redis.replica-ack-timeout must be above 0 and below "
                        + "gateway.redis.timeout (" + socketTimeout.toMillis() + " ms), not " + timeout.toMillis()
                        + " ms: Redis answers WAIT only after it");
            }
            return replicas == 0 ? NONE : new ReplicaAcks(replicas, timeout);
        }
    }

    public RedisConnection(String configuredUrl, Path dataDir, int embeddedPort, String appendFsync,
                           Duration timeout, int poolSize) {
        this.configuredUrl = configuredUrl == null ? "" : configuredUrl.trim();
        this.dataDir = dataDir;
        this.embeddedPort = embeddedPort;
        this.appendFsync = appendFsync;
        this.timeout = timeout;
        this.poolSize = poolSize;
    }

    /** Connects through these sentinels instead of {@code gateway.redis.url}; null for none. Before start. */
    public RedisConnection sentinel(SentinelSettings settings) {
        this.sentinel = settings;
        return this;
    }

    /** Connects to this Redis Cluster instead of {@code gateway.redis.url}; null for none. Before start. */
    public RedisConnection cluster(ClusterSettings settings) {
        this.cluster = settings;
        return this;
    }

    /**
     * Where the thread comes from that watches subscriptions with Sentinel or a cluster (named, visible over JMX,
     * stopped with the context). Before start.
     */
    public RedisConnection executors(ExecutorServiceManager manager) {
        this.executors = manager;
        return this;
    }

    /** What a settlement waits for before its device is acked. Before start. */
    public RedisConnection replicaAcks(ReplicaAcks acks) {
        this.replicaAcks = acks;
        return this;
    }

    public ReplicaAcks replicaAcks() {
        return replicaAcks;
    }

    @Override
    protected void doStart() throws IOException {
        int topologies = (configuredUrl.isEmpty() ? 0 : 1) + (sentinel == null ? 0 : 1) + (cluster == null ? 0 : 1);
        if (topologies > 1) {
            throw new IllegalArgumentException("Set only one of gateway.redis.url, gateway.redis.sentinel.master "
                    + "and gateway.redis.cluster.nodes (none of them: an embedded redis-server)");
        }
        if (sentinel != null) {
            startSentinel();
            return;
        }
        if (cluster != null) {
            startCluster();
            return;
        }
        String url;
        if (configuredUrl.isEmpty()) {
            embedded = EmbeddedRedis.start(dataDir, embeddedPort, appendFsync);
            url = embedded.url();
        } else {
            url = configuredUrl;
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            // its message would quote the URL, password included
            throw new IllegalArgumentException("gateway.redis.url is not a valid URL (percent-encode special "
                    + "characters of the password) at index " + e.getIndex());
        }
        redactedUrl = redact(uri);
        DefaultJedisClientConfig.Builder config = timeouts().ssl("rediss".equals(uri.getScheme()));
        if (uri.getUserInfo() != null) {
            String[] userInfo = uri.getUserInfo().split(":", 2);
            if (userInfo.length == 2) {
                if (!userInfo[0].isEmpty()) {
                    config.user(userInfo[0]);
                }
                config.password(userInfo[1]);
            } else {
                config.password(userInfo[0]);
            }
        }
        if (uri.getPath() != null && uri.getPath().length() > 1) {
            config.database(Integer.parseInt(uri.getPath().substring(1)));
        }
        HostAndPort address = new HostAndPort(uri.getHost(), uri.getPort() > 0 ? uri.getPort() : 6379);
        dataConfig = config.build();
        RedisClient single = RedisClient.builder()
                .hostAndPort(address)
                .clientConfig(dataConfig)
                .poolConfig(pool())
                .build();
        client = single;
        pipelines = single::pipelined;
        currentMaster = () -> address;
        LOG.info("Redis at {}{}", uri.getHost() + ":" + uri.getPort(), embedded != null ? " (embedded)" : "");
    }

    /**
     * Jedis asks the sentinels for the master, listens to them for a promotion and then points its pool at the new
     * master; a command in flight at the moment of the failover fails, the next one goes to the new master.
     */
    private void startSentinel() {
        DefaultJedisClientConfig data = timeouts().ssl(sentinel.tls()).user(sentinel.user())
                .password(sentinel.password()).build();
        DefaultJedisClientConfig sentinels = timeouts().ssl(sentinel.tls()).password(sentinel.sentinelPassword())
                .build();
        RedisSentinelClient sentineled = RedisSentinelClient.builder()
                .masterName(sentinel.master())
                .sentinels(sentinel.nodes())
                .sentinelClientConfig(sentinels)
                .clientConfig(data)
                .poolConfig(pool())
                .build();
        client = sentineled;
        pipelines = sentineled::pipelined;
        currentMaster = sentineled::getCurrentMaster;
        dataConfig = data;
        redactedUrl = sentinel.describe();
        watchSubscriptions();
        LOG.info("Redis through Sentinel: master '{}' now at {}, sentinels {}", sentinel.master(),
                sentineled.getCurrentMaster(), sentinel.nodes());
    }

    /**
     * Jedis learns the slots from the seed nodes and follows MOVED / ASK redirections and promotions by itself;
     * commands go to the master of their key's slot. Its pipeline groups commands per master, one connection each.
     */
    private void startCluster() {
        DefaultJedisClientConfig data = timeouts().ssl(cluster.tls()).user(cluster.user())
                .password(cluster.password()).build();
        // the slots are also read again periodically, not only on a redirection: a subscription learns so that the
        // master of its channel changed (a failover) even when no command of this node went there
        clusterNodes = new ClusterConnectionProvider(cluster.nodes(), data, pool(), CLUSTER_TOPOLOGY_REFRESH);
        RedisClusterClient clustered = (RedisClusterClient) RedisClusterClient.builder()
                .nodes(cluster.nodes())
                .connectionProvider(clusterNodes)
                .clientConfig(data)
                .build();
        client = clustered;
        pipelines = () -> new CheckedClusterPipeline(clustered.pipelined());
        currentMaster = () -> {
            throw new IllegalStateException("A Redis Cluster has a master per slot range");
        };
        dataConfig = data;
        redactedUrl = cluster.describe();
        watchSubscriptions();
        LOG.info("Redis Cluster: {} nodes known, seeds {}", clusterNodes.getNodes().size(), cluster.nodes());
    }

    /**
     * Every second, on a thread of Camel's (stopped with the context, or with this service), subscriptions held by
     * a former master are ended: a master cut off by the network would never end them, and one demoted to replica
     * would keep them alive beside the new master.
     */
    private void watchSubscriptions() {
        if (executors == null) {
            throw new IllegalStateException("RedisConnection needs Camel's ExecutorServiceManager with Sentinel or a"
                    + " cluster (executors(...))");
        }
        masterWatch = executors.newSingleThreadScheduledExecutor(this, "ap3000-redis-master-watch");
        masterWatch.scheduleWithFixedDelay(this::endSubscriptionsToFormerMaster, 1, 1, TimeUnit.SECONDS);
    }

    /** Connecting and every answer bounded by {@code gateway.redis.timeout}, whichever topology. */
    private DefaultJedisClientConfig.Builder timeouts() {
        return DefaultJedisClientConfig.builder().connectionTimeoutMillis((int) timeout.toMillis())
                .socketTimeoutMillis((int) timeout.toMillis());
    }

    private GenericObjectPoolConfig<Connection> pool() {
        GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
        pool.setMaxTotal(poolSize);
        pool.setMaxIdle(poolSize);
        pool.setMaxWait(timeout);
        return pool;
    }

    @Override
    protected void doStop() {
        if (masterWatch != null) {
            executors.shutdownNow(masterWatch);
            masterWatch = null;
        }
        if (client != null) {
            client.close();
        }
        if (embedded != null) {
            embedded.stop();
            embedded = null;
        }
    }

    /**
     * Loads a Lua script and returns its SHA1 for EVALSHA. A replica promoted in a failover, or a restarted server,
     * may lack a script: it answers NOSCRIPT, and the caller loads the script again. On a cluster
     * the script goes to the master of every slot as the slot map has it now. Jedis's own SCRIPT LOAD broadcast goes to
     * the masters it found when it first read the cluster (Jedis 7.2 does not update that list when it re-reads the
     * slots): after a failover it leaves out the promoted replica, whose every EVALSHA then answers NOSCRIPT (the audit
     * dead-lettered its batches so), and it fails as a whole on the dead master. A master that cannot be reached is
     * skipped: its slots answer nothing until it is replaced, and its replacement gets the script at the next NOSCRIPT.
     */
    public String loadScript(String script) {
        if (clusterNodes == null) {
            return client.scriptLoad(script);
        }
        Map<HostAndPort, Integer> masters = new LinkedHashMap<>();
        for (int slot = 0; slot < Protocol.CLUSTER_HASHSLOTS; slot++) {
            HostAndPort master = clusterNodes.getNode(slot);
            if (master != null) {
                masters.putIfAbsent(master, slot);
            }
        }
        for (Map.Entry<HostAndPort, Integer> master : masters.entrySet()) {
            try (Connection connection = clusterNodes.getConnectionFromSlot(master.getValue())) {
                connection.executeCommand(COMMANDS.scriptLoad(script));
            } catch (JedisException e) {
                LOG.debug("Script not loaded on {}: {}", master.getKey(), e.getMessage());
            }
        }
        return sha1(script);
    }

    private static String sha1(String script) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-1")
                    .digest(script.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-1", e);
        }
    }

    /** The client of the master, whichever way it was found; its pool follows a Sentinel failover. */
    public UnifiedJedis client() {
        return client;
    }

    /**
     * A pipeline on one pooled connection to the master (with a cluster: one to each master its keys live on); a
     * {@code WAIT} in it with a sample key covers the writes before it on that key's master.
     */
    public AbstractPipeline pipelined() {
        return pipelines.get();
    }

    /**
     * Runs a subscription on a connection of its own to the current master until it ends (by unsubscribing, or by
     * an exception when the connection is lost: the caller subscribes again). With Sentinel, a subscription still
     * held by a former master is ended as soon as the sentinels name another: a master cut off by the network
     * would never end it, and one demoted to replica would keep it alive beside the new master. With a cluster, it
     * runs on the master of the first channel's slot, where {@link #publish} sends that channel's messages.
     */
    public void subscribe(JedisPubSub subscriber, String... channels) {
        HostAndPort master = masterFor(channels[0]);
        Subscription subscription = new Subscription(channels[0], master, new Connection(master, dataConfig));
        subscriptions.add(subscription);
        try {
            subscriber.proceed(subscription.connection(), channels);
        } finally {
            subscriptions.remove(subscription);
            subscription.connection().close();
        }
    }

    /**
     * Publishes to the channel's subscribers. A cluster broadcasts every message to all its nodes, but answers with
     * the subscribers of the node it was sent to only; sent to the master of the channel's slot, where
     * {@link #subscribe} listens, the count means what it means on one server.
     *
     * @return how many subscribers received it
     */
    public long publish(String channel, String message) {
        if (clusterNodes == null) {
            return client.publish(channel, message);
        }
        try (Connection connection = clusterNodes.getConnectionFromSlot(JedisClusterCRC16.getSlot(channel))) {
            return connection.executeCommand(COMMANDS.publish(channel, message));
        }
    }

    private HostAndPort masterFor(String channel) {
        return clusterNodes == null ? currentMaster() : clusterNodes.getNode(JedisClusterCRC16.getSlot(channel));
    }

    private void endSubscriptionsToFormerMaster() {
        try {
            for (Subscription subscription : subscriptions) {
                HostAndPort master = masterFor(subscription.channel());
                if (!subscription.master().equals(master)) {
                    LOG.info("The master is now {}: ending the subscription held by {}", master, subscription.master());
                    subscription.connection().close();
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("Checking subscriptions against the current master failed: {}", e.getMessage());
        }
    }

    /** Where the master is now: with Sentinel, where the sentinels last said it is. Not for a cluster. */
    public HostAndPort currentMaster() {
        return currentMaster.get();
    }

    public boolean usesSentinel() {
        return sentinel != null;
    }

    public boolean usesCluster() {
        return cluster != null;
    }

    /**
     * Sends a pipeline and fails on the first command Redis refused: Jedis's plain {@code sync()} keeps such
     * errors in the replies, where an unchecked write would be lost silently.
     */
    public static void syncOrThrow(AbstractPipeline pipeline) {
        if (pipeline instanceof CheckedClusterPipeline clustered) {
            clustered.syncOrThrow();
            return;
        }
        for (Object reply : ((Pipeline) pipeline).syncAndReturnAll()) {
            if (reply instanceof JedisDataException e) {
                throw e;
            }
        }
    }

    /** The URL in use, the embedded server's included, with {@code ***} for a password: safe to show. */
    public String redactedUrl() {
        return redactedUrl;
    }

    static String redact(URI uri) {
        String userInfo = uri.getRawUserInfo();
        if (userInfo == null) {
            return uri.toString();
        }
        int colon = userInfo.indexOf(':');
        // redis://secret@host is a password without a user name, as doStart reads it
        String shown = colon < 0 ? "***" : userInfo.substring(0, colon) + ":***";
        return uri.getScheme() + "://" + shown + "@" + uri.getRawAuthority().substring(userInfo.length() + 1)
                + (uri.getRawPath() == null ? "" : uri.getRawPath());
    }
}
