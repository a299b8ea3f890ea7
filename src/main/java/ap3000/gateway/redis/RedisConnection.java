package ap3000.gateway.redis;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.apache.camel.support.service.ServiceSupport;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * The gateway's Redis: the server named by {@code gateway.redis.url}, or, when that is empty, an embedded
 * redis-server in the data directory. A Camel service, so that it starts before the routes and stops after
 * them.
 */
public class RedisConnection extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(RedisConnection.class);

    private final String configuredUrl;
    private final Path dataDir;
    private final int embeddedPort;
    private final String appendFsync;
    private final Duration timeout;
    private final int poolSize;

    private EmbeddedRedis embedded;
    private RedisClient client;
    private String redactedUrl;

    public RedisConnection(String configuredUrl, Path dataDir, int embeddedPort, String appendFsync,
                           Duration timeout, int poolSize) {
        this.configuredUrl = configuredUrl == null ? "" : configuredUrl.trim();
        this.dataDir = dataDir;
        this.embeddedPort = embeddedPort;
        this.appendFsync = appendFsync;
        this.timeout = timeout;
        this.poolSize = poolSize;
    }

    @Override
    protected void doStart() throws IOException {
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
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis((int) timeout.toMillis())
                .socketTimeoutMillis((int) timeout.toMillis())
                .ssl("rediss".equals(uri.getScheme()));
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
        GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
        pool.setMaxTotal(poolSize);
        pool.setMaxIdle(poolSize);
        pool.setMaxWait(timeout);
        client = RedisClient.builder()
                .hostAndPort(new HostAndPort(uri.getHost(), uri.getPort() > 0 ? uri.getPort() : 6379))
                .clientConfig(config.build())
                .poolConfig(pool)
                .build();
        LOG.info("Redis at {}{}", uri.getHost() + ":" + uri.getPort(), embedded != null ? " (embedded)" : "");
    }

    @Override
    protected void doStop() {
        if (client != null) {
            client.close();
        }
        if (embedded != null) {
            embedded.stop();
            embedded = null;
        }
    }

    public RedisClient client() {
        return client;
    }

    /**
     * Sends a pipeline and fails on the first command Redis refused: Jedis's plain {@code sync()} keeps such
     * errors in the replies, where an unchecked write would be lost silently.
     */
    public static List<Object> syncOrThrow(Pipeline pipeline) {
        List<Object> replies = pipeline.syncAndReturnAll();
        for (Object reply : replies) {
            if (reply instanceof JedisDataException e) {
                throw e;
            }
        }
        return replies;
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
