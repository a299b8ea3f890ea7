package ap3000.gateway;

import java.nio.file.Files;
import java.time.Duration;

import ap3000.gateway.redis.RedisConnection;
import redis.embedded.RedisServer;

/**
 * A real redis-server on a free loopback port and the gateway's {@link RedisConnection} to it, for the tests of
 * classes that use Redis directly (no gateway). Close it after each test: it stops both.
 */
public final class RedisUnderTest implements AutoCloseable {

    private final RedisServer server;
    private final RedisConnection connection;

    private RedisUnderTest(RedisServer server, RedisConnection connection) {
        this.server = server;
        this.connection = connection;
    }

    public static RedisUnderTest start() throws Exception {
        int port = RunningGateway.freePort();
        RedisServer server = ExternalRedis.start(port, Files.createTempDirectory("redis-under-test"));
        RedisConnection connection = new RedisConnection("redis://127.0.0.1:" + port, null, 0, "always",
                Duration.ofSeconds(5), 2);
        connection.start();
        return new RedisUnderTest(server, connection);
    }

    public RedisConnection connection() {
        return connection;
    }

    @Override
    public void close() throws Exception {
        connection.stop();
        server.stop();
    }
}
