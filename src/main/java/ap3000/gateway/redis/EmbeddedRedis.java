package ap3000.gateway.redis;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisException;
import redis.embedded.core.ExecutableProvider;

/**
 * A real redis-server (shipped inside embedded-redis) with append-only persistence in the gateway's data
 * directory, for a gateway that runs with nothing else installed. A gateway killed with {@code kill -9} leaves
 * its redis-server running; the next start finds it through the port file, shuts it down cleanly (which
 * flushes its append-only file) and starts a fresh one on the same data, so nothing accepted is lost.
 * The gateway holds an OS lock on the directory while it runs (released by the kernel even on kill -9), so a
 * second gateway on the same directory fails fast instead of taking a live server for an orphan.
 * The process is started here rather than through embedded-redis' RedisServer, whose JVM shutdown hook would
 * stop Redis at the first moment of a SIGTERM, before the routes have finished with it; for the same reason it
 * runs in its own session.
 */
final class EmbeddedRedis {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedRedis.class);
    private static final String HOST = "127.0.0.1";
    private static final Duration ORPHAN_SHUTDOWN_WAIT = Duration.ofSeconds(10);

    private static final Duration START_WAIT = Duration.ofSeconds(20);

    private final Process server;
    private final Path portFile;
    private final int port;
    private final FileChannel lockChannel;

    private EmbeddedRedis(Process server, Path portFile, int port, FileChannel lockChannel) {
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
        Path config = dir.resolve("redis.conf");
        Files.write(config, List.of(
                "port " + chosen,
                "bind " + HOST,
                "dir \"" + dir + "\"",
                "appendonly yes",
                "appendfilename appendonly.aof",
                "appendfsync " + appendFsync,
                "pidfile \"" + dir.resolve("redis.pid") + "\"",
                "save \"\"",
                "daemonize no"));
        File binary = ExecutableProvider.newJarResourceProvider().get();
        Process server = new ProcessBuilder(command(binary, config))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("redis.log").toFile())
                .start();
        awaitReady(server, chosen, dir.resolve("redis.log"));
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
            if (!server.waitFor(ORPHAN_SHUTDOWN_WAIT.toSeconds(), TimeUnit.SECONDS)) {
                LOG.warn("The embedded redis-server did not stop after SHUTDOWN; terminating it");
                server.destroy();
                server.waitFor(ORPHAN_SHUTDOWN_WAIT.toSeconds(), TimeUnit.SECONDS);
            }
            Files.deleteIfExists(portFile);
            lockChannel.close();
        } catch (IOException e) {
            LOG.warn("Stopping the embedded redis-server: {}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * In a session of its own where {@code setsid} exists: a SIGTERM to the gateway's process group (systemd's
     * default, {@code timeout}, Ctrl-C) must not stop Redis before the gateway has finished writing to it.
     */
    private static List<String> command(File binary, Path config) {
        for (String setsid : List.of("/usr/bin/setsid", "/bin/setsid")) {
            if (Files.isExecutable(Path.of(setsid))) {
                return List.of(setsid, binary.getAbsolutePath(), config.toString());
            }
        }
        return List.of(binary.getAbsolutePath(), config.toString());
    }

    private static void awaitReady(Process server, int port, Path log) throws IOException {
        long deadline = System.nanoTime() + START_WAIT.toNanos();
        while (!answers(port)) {
            if (!server.isAlive() || System.nanoTime() > deadline) {
                server.destroy();
                throw new IOException("The embedded redis-server did not start; its log " + log + " says: "
                        + String.join(" | ", Files.readAllLines(log)));
            }
            sleep();
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
