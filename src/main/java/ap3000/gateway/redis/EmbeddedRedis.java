package ap3000.gateway.redis;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisException;
import redis.embedded.RedisServer;

/**
 * A real redis-server (shipped inside embedded-redis) with append-only persistence in the gateway's data
 * directory, for a gateway that runs with nothing else installed. A gateway killed with {@code kill -9} leaves
 * its redis-server running; the next start finds it through the port file, shuts it down cleanly (which
 * flushes its append-only file) and starts a fresh one on the same data, so nothing accepted is lost.
 * The gateway holds an OS lock on the directory while it runs (released by the kernel even on kill -9), so a
 * second gateway on the same directory fails fast instead of taking a live server for an orphan.
 */
final class EmbeddedRedis {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedRedis.class);
    private static final String HOST = "127.0.0.1";
    private static final Duration ORPHAN_SHUTDOWN_WAIT = Duration.ofSeconds(10);

    private final RedisServer server;
    private final Path portFile;
    private final int port;
    private final FileChannel lockChannel;

    private EmbeddedRedis(RedisServer server, Path portFile, int port, FileChannel lockChannel) {
        this.server = server;
        this.portFile = portFile;
        this.port = port;
        this.lockChannel = lockChannel;
    }

    /**
     * @param dataDir     the gateway's data directory; Redis keeps its files in {@code dataDir/redis}
     * @param port        0 for a free port
     * @param appendFsync "always" (every write on disk before it is acknowledged) or "everysec"
     */
    static EmbeddedRedis start(Path dataDir, int port, String appendFsync) throws IOException {
        Path dir = dataDir.resolve("redis").toAbsolutePath();
        Files.createDirectories(dir);
        FileChannel lockChannel = lock(dir.resolve("gateway.lock"));
        Path portFile = dir.resolve("redis.port");
        try {
            stopOrphan(portFile);
        } catch (IOException | RuntimeException e) {
            lockChannel.close();
            throw e;
        }
        int chosen = port > 0 ? port : freePort();
        RedisServer server = RedisServer.newRedisServer()
                .port(chosen)
                .bind(HOST)
                .setting("dir " + dir)
                .setting("appendonly yes")
                .setting("appendfilename appendonly.aof")
                .setting("appendfsync " + appendFsync)
                .setting("pidfile " + dir.resolve("redis.pid"))
                .setting("save \"\"")
                .build();
        server.start();
        Files.writeString(portFile, Integer.toString(chosen));
        LOG.info("Embedded redis-server listening on {}:{}, data in {} (appendfsync {})", HOST, chosen, dir,
                appendFsync);
        return new EmbeddedRedis(server, portFile, chosen, lockChannel);
    }

    private static FileChannel lock(Path lockFile) throws IOException {
        FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            channel.close();
            throw new IOException("Another gateway is running on the data directory " + lockFile.getParent()
                    + "; give each gateway its own gateway.data-dir, or share one Redis with gateway.redis.url");
        }
        return channel;
    }

    String url() {
        return "redis://" + HOST + ":" + port;
    }

    /** SHUTDOWN writes the append-only file to disk before the process exits. */
    void stop() {
        shutdown(port);
        try {
            server.stop();
            Files.deleteIfExists(portFile);
            lockChannel.close();
        } catch (IOException e) {
            LOG.warn("Stopping the embedded redis-server: {}", e.getMessage());
        }
    }

    private static void stopOrphan(Path portFile) throws IOException {
        if (!Files.exists(portFile)) {
            return;
        }
        int orphanPort = Integer.parseInt(Files.readString(portFile).trim());
        if (!shutdown(orphanPort)) {
            return;
        }
        LOG.warn("Found the redis-server of a previous gateway still running on port {}; shut it down cleanly",
                orphanPort);
        long deadline = System.nanoTime() + ORPHAN_SHUTDOWN_WAIT.toNanos();
        while (answers(orphanPort)) {
            if (System.nanoTime() > deadline) {
                throw new IOException("The previous redis-server on port " + orphanPort + " did not stop");
            }
            sleep();
        }
    }

    /** Sends SHUTDOWN; true if a server was there to receive it. */
    private static boolean shutdown(int port) {
        try (Jedis jedis = connect(port)) {
            jedis.ping();
            try {
                jedis.shutdown();
            } catch (JedisException expected) {
                // the server closes the connection as it exits
            }
            return true;
        } catch (JedisException e) {
            return false;
        }
    }

    private static boolean answers(int port) {
        try (Jedis jedis = connect(port)) {
            jedis.ping();
            return true;
        } catch (JedisException e) {
            return false;
        }
    }

    private static Jedis connect(int port) {
        return new Jedis(new HostAndPort(HOST, port),
                DefaultJedisClientConfig.builder().connectionTimeoutMillis(500).socketTimeoutMillis(2000).build());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
