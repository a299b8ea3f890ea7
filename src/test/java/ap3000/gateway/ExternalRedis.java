package ap3000.gateway;

import java.nio.file.Path;

import redis.embedded.RedisServer;

/** A real redis-server outside the gateway, for tests that stop and restart Redis under it. */
public final class ExternalRedis {

    private ExternalRedis() {
    }

    /** Starts a redis-server on loopback with its append-only file in {@code dir}, so a restart keeps the data. */
    public static RedisServer start(int port, Path dir) throws Exception {
        RedisServer server = RedisServer.newRedisServer().port(port).bind("127.0.0.1")
                .setting("dir " + dir).setting("appendonly yes").setting("appendfsync always").build();
        server.start();
        return server;
    }
}
