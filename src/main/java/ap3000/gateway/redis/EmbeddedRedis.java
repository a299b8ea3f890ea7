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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ap3000.gateway.secrets.SecretFile;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.exceptions.JedisDataException;
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
 * Other users of the host are kept out: the server asks for a password generated on first start and kept in
 * {@code redis.password}, has no admin commands that write files, load code or copy data elsewhere, and its
 * directory, configuration and files are readable by the gateway's user only.
 */
final class EmbeddedRedis {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedRedis.class);
    private static final String HOST = "127.0.0.1";
    private static final Duration ORPHAN_SHUTDOWN_WAIT = Duration.ofSeconds(10);

    private static final Duration START_WAIT = Duration.ofSeconds(20);
    /**
     * Commands the gateway never sends that would let a client holding the password write files anywhere
     * (CONFIG SET dir), load code (MODULE), crash or inspect the server (DEBUG), lift the password (ACL) or move
     * the data to another server (replication, MIGRATE). SHUTDOWN stays (the gateway stops its server with
     * it), INFO and MONITOR stay for operators.
     */
    static final List<String> DISABLED_COMMANDS = List.of("CONFIG", "MODULE", "DEBUG", "ACL", "SLAVEOF",
            "REPLICAOF", "SYNC", "PSYNC", "FAILOVER", "MIGRATE");

    private final Process server;
    private final Path portFile;
    private final int port;
    private final String password;
    private final FileChannel lockChannel;

    private EmbeddedRedis(Process server, Path portFile, int port, String password, FileChannel lockChannel) {
        this.server = server;
        this.portFile = portFile;
        this.port = port;
        this.password = password;
        this.lockChannel = lockChannel;
    }

    /**
     * @param dataDir     the gateway's data directory; Redis keeps its files in {@code dataDir/redis}
     * @param port        0 for a free port
     * @param appendFsync "always" (every write on disk before it is acknowledged) or "everysec"
     */
    static EmbeddedRedis start(Path dataDir, int port, String appendFsync) throws IOException {
        Path dir = dataDir.resolve("redis").toAbsolutePath();
        SecretFile.ownerOnlyDirectory(dataDir.toAbsolutePath());
        SecretFile.ownerOnlyDirectory(dir);
        FileChannel lockChannel = lock(dir.resolve("gateway.lock"));
        Path portFile = dir.resolve("redis.port");
        String password;
        try {
            password = SecretFile.readOrCreate(dir.resolve("redis.password"));
            stopOrphan(dir, portFile, password);
        } catch (IOException | RuntimeException e) {
            lockChannel.close();
            throw e;
        }
        int chosen = port > 0 ? port : freePort();
        Path config = dir.resolve("redis.conf");
        List<String> settings = new ArrayList<>(List.of(
                "port " + chosen,
                "bind " + HOST,
                "protected-mode yes",
                "requirepass " + password,
                "dir \"" + dir + "\"",
                "appendonly yes",
                "appendfilename appendonly.aof",
                "appendfsync " + appendFsync,
                "pidfile \"" + dir.resolve("redis.pid") + "\"",
                "save \"\"",
                "daemonize no"));
        DISABLED_COMMANDS.forEach(command -> settings.add("rename-command " + command + " \"\""));
        // replaced rather than rewritten: a redis.conf of an older gateway may be readable by everyone
        Files.deleteIfExists(config);
        SecretFile.writeOwnerOnly(config, String.join("\n", settings) + "\n");
        File binary = ExecutableProvider.newJarResourceProvider().get();
        Process server = new ProcessBuilder(command(binary, config))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("redis.log").toFile())
                .start();
        awaitReady(server, dir.resolve("redis.log"));
        Files.writeString(portFile, Integer.toString(chosen));
        LOG.info("Embedded redis-server listening on {}:{}, data in {} (appendfsync {})", HOST, chosen, dir,
                appendFsync);
        return new EmbeddedRedis(server, portFile, chosen, password, lockChannel);
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

    /** Carries the password: for connecting only, never to be shown. */
    String url() {
        return "redis://:" + password + "@" + HOST + ":" + port;
    }

    /** SHUTDOWN writes the append-only file to disk before the process exits. */
    void stop() {
        try {
            shutdown(port, clientConfig(password));
        } catch (JedisDataException e) {
            LOG.warn("The embedded redis-server refused SHUTDOWN: {}", e.getMessage());
        }
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
     * With umask 077 where a POSIX shell exists, so that the append-only files Redis creates are its owner's only.
     * The password stays in the configuration file, out of the command line that every user can list.
     */
    private static List<String> command(File binary, Path config) {
        List<String> command = new ArrayList<>();
        if (Files.isExecutable(Path.of("/bin/sh"))) {
            command.addAll(List.of("/bin/sh", "-c", "umask 077 && exec \"$0\" \"$@\""));
        }
        for (String setsid : List.of("/usr/bin/setsid", "/bin/setsid")) {
            if (Files.isExecutable(Path.of(setsid))) {
                command.add(setsid);
                break;
            }
        }
        command.addAll(List.of(binary.getAbsolutePath(), config.toString()));
        return command;
    }

    /**
     * Ready when our own process says so in its log (which only it writes, in the owner-only directory), not when
     * something on the port answers: a server another user started on a fixed port must never be taken for ours,
     * nor be sent the password. A server that could not bind its port exits, and the start fails with its log.
     */
    private static void awaitReady(Process server, Path log) throws IOException {
        long deadline = System.nanoTime() + START_WAIT.toNanos();
        while (!Files.readString(log).contains("Ready to accept connections")) {
            if (!server.isAlive() || System.nanoTime() > deadline) {
                server.destroy();
                throw new IOException("The embedded redis-server did not start; its log " + log + " says: "
                        + String.join(" | ", Files.readAllLines(log)));
            }
            sleep();
        }
    }

    /**
     * Only a redis-server of this data directory (its pid file names a live redis-server of this user) is sent the
     * password and SHUTDOWN; a port file left after a reboot may name a port someone else now holds. The
     * orphan asks for the password in the data directory; one left by a gateway of a version without a password
     * refuses it (AUTH without a password configured) and takes SHUTDOWN without.
     */
    private static void stopOrphan(Path dir, Path portFile, String password) throws IOException {
        Optional<ProcessHandle> orphan = serverOf(dir);
        if (!Files.exists(portFile) || orphan.isEmpty()) {
            return;
        }
        int orphanPort = Integer.parseInt(Files.readString(portFile).trim());
        boolean stopped;
        try {
            stopped = shutdown(orphanPort, clientConfig(password));
        } catch (JedisDataException refused) {
            try {
                stopped = shutdown(orphanPort, clientConfig(null));
            } catch (JedisDataException e) {
                // it is our own, and two servers on one append-only file would corrupt it
                throw new IOException("The redis-server of this data directory (pid " + orphan.get().pid()
                        + ", port " + orphanPort + ") refuses the password in redis.password; stop it, then start"
                        + " the gateway again");
            }
        }
        if (!stopped) {
            return;
        }
        LOG.warn("Found the redis-server of a previous gateway still running on port {}; shut it down cleanly",
                orphanPort);
        long deadline = System.nanoTime() + ORPHAN_SHUTDOWN_WAIT.toNanos();
        while (orphan.get().isAlive()) {
            if (System.nanoTime() > deadline) {
                throw new IOException("The previous redis-server on port " + orphanPort + " did not stop");
            }
            sleep();
        }
    }

    /** The live redis-server of this data directory, from the pid file it writes there. */
    private static Optional<ProcessHandle> serverOf(Path dir) throws IOException {
        Path pidFile = dir.resolve("redis.pid");
        if (!Files.exists(pidFile)) {
            return Optional.empty();
        }
        long pid;
        try {
            pid = Long.parseLong(Files.readString(pidFile).trim());
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        // the pid file is in the owner-only directory; the process must still be a redis-server of this user (after a
        // reboot the number may belong to anything). Redis rewrites its own command line, so that is not compared.
        String user = System.getProperty("user.name");
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .filter(p -> p.info().user().map(user::equals).orElse(false))
                .filter(p -> p.info().command().map(command -> command.contains("redis-server")).orElse(false));
    }

    /**
     * Sends SHUTDOWN; true if a server was there to receive it.
     *
     * @throws JedisDataException if the server refuses the password or its absence
     */
    private static boolean shutdown(int port, JedisClientConfig config) {
        try (Jedis jedis = new Jedis(new HostAndPort(HOST, port), config)) {
            jedis.ping();
            try {
                jedis.shutdown();
            } catch (JedisException expected) {
                // the server closes the connection as it exits
            }
            return true;
        } catch (JedisDataException refused) {
            throw refused;
        } catch (JedisException e) {
            return false;
        }
    }



    private static JedisClientConfig clientConfig(String password) {
        return DefaultJedisClientConfig.builder().connectionTimeoutMillis(500).socketTimeoutMillis(2000)
                .password(password).build();
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
