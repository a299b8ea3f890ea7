package ap3000.gateway.redis;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;

import ap3000.gateway.RunningGateway;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.Protocol;
import redis.embedded.core.ExecutableProvider;

/**
 * A Redis master, one replica and three sentinels as real redis-server processes (the binary embedded-redis ships)
 * on free loopback ports, with passwords on the data nodes and on the sentinels. {@link #close()} kills every
 * process it started, also after a failed test.
 */
public final class SentinelSet implements AutoCloseable {

    public static final String MASTER_NAME = "ap3000";
    private static final String HOST = "127.0.0.1";
    private static final Duration START_WAIT = Duration.ofSeconds(20);

    private final Path dir;
    private final File binary;
    private final String password;
    private final String sentinelPassword;
    private final List<Process> processes = new ArrayList<>();
    private final int[] dataPorts;
    private final int[] sentinelPorts;
    private Process master;

    private SentinelSet(String password, String sentinelPassword) throws IOException {
        this.dir = Files.createTempDirectory("sentinel-set");
        this.binary = ExecutableProvider.newJarResourceProvider().get();
        this.password = password;
        this.sentinelPassword = sentinelPassword;
        int[] ports = RunningGateway.freePorts(5);
        dataPorts = new int[] {ports[0], ports[1]};
        sentinelPorts = new int[] {ports[2], ports[3], ports[4]};
    }

    /**
     * Master, replica (in sync), then the sentinels, ready when every sentinel knows the replica and can reach a
     * quorum for a failover.
     */
    public static SentinelSet start(String password, String sentinelPassword) throws Exception {
        SentinelSet set = new SentinelSet(password, sentinelPassword);
        try {
            set.master = set.startDataNode(set.dataPorts[0], null);
            set.startDataNode(set.dataPorts[1], set.dataPorts[0]);
            set.awaitReplicaInSync(set.dataPorts[0]);
            for (int i = 0; i < set.sentinelPorts.length; i++) {
                set.startSentinel(i);
            }
            for (int port : set.sentinelPorts) {
                Awaitility.await().atMost(START_WAIT).until(() -> set.sentinelReady(port));
            }
            return set;
        } catch (Exception | AssertionError e) {
            set.close();
            throw e;
        }
    }

    /** For {@code gateway.redis.sentinel.nodes}. */
    public String sentinelNodes() {
        List<String> nodes = new ArrayList<>();
        for (int port : sentinelPorts) {
            nodes.add(HOST + ":" + port);
        }
        return String.join(",", nodes);
    }

    public int masterPort() {
        return dataPorts[0];
    }

    public int replicaPort() {
        return dataPorts[1];
    }

    /** SIGKILL to the master: no goodbye to its clients, its replica or the sentinels. */
    public void killMaster() throws InterruptedException {
        master.destroyForcibly();
        master.waitFor(10, TimeUnit.SECONDS);
    }

    /** A failover the sentinels carry out on request: the replica is promoted, the master demoted, both alive. */
    public void failover() {
        try (Jedis sentinel = new Jedis(new HostAndPort(HOST, sentinelPorts[0]), config(sentinelPassword))) {
            sentinel.sentinelFailover(MASTER_NAME);
        }
    }

    /** Starts the failed master's node again on its port, as a replica of {@code newMasterPort}, as an operator would. */
    public void restartOldMasterAsReplicaOf(int newMasterPort) throws Exception {
        startDataNode(dataPorts[0], newMasterPort);
        awaitReplicaInSync(newMasterPort);
    }

    /** Where the sentinels (the first one asked) say the master is now. */
    public HostAndPort masterFromSentinels() {
        try (Jedis sentinel = new Jedis(new HostAndPort(HOST, sentinelPorts[0]), config(sentinelPassword))) {
            List<String> address = sentinel.sentinelGetMasterAddrByName(MASTER_NAME);
            return new HostAndPort(address.get(0), Integer.parseInt(address.get(1)));
        }
    }

    /** A direct connection to one data node, bypassing the sentinels. */
    public Jedis dataNode(int port) {
        return new Jedis(new HostAndPort(HOST, port), config(password));
    }

    private Process startDataNode(int port, Integer replicaOf) throws Exception {
        List<String> settings = new ArrayList<>(List.of("port " + port, "bind " + HOST, "daemonize no",
                "dir \"" + dir + "\"", "dbfilename dump-" + port + ".rdb", "save \"\"", "appendonly no",
                "requirepass " + password, "masterauth " + password));
        if (replicaOf != null) {
            settings.add("replicaof " + HOST + " " + replicaOf);
        }
        Process process = launch("redis-" + port, settings, false);
        Awaitility.await().atMost(START_WAIT).ignoreExceptions().until(() -> {
            try (Jedis jedis = dataNode(port)) {
                return "PONG".equals(jedis.ping());
            }
        });
        return process;
    }

    private void startSentinel(int index) throws Exception {
        int port = sentinelPorts[index];
        List<String> settings = new ArrayList<>(List.of("port " + port, "bind " + HOST, "daemonize no",
                "dir \"" + dir + "\"",
                "sentinel monitor " + MASTER_NAME + " " + HOST + " " + dataPorts[0] + " 2",
                "sentinel auth-pass " + MASTER_NAME + " " + password,
                // fast enough for a test; production keeps longer windows (docs/high-availability.md)
                "sentinel down-after-milliseconds " + MASTER_NAME + " 1000",
                "sentinel failover-timeout " + MASTER_NAME + " 10000",
                "sentinel parallel-syncs " + MASTER_NAME + " 1",
                "requirepass " + sentinelPassword,
                "sentinel sentinel-pass " + sentinelPassword));
        launch("sentinel-" + port, settings, true);
    }

    private Process launch(String name, List<String> settings, boolean sentinel) throws IOException {
        Path config = dir.resolve(name + ".conf");
        Files.writeString(config, String.join("\n", settings) + "\n");
        List<String> command = new ArrayList<>(List.of(binary.getAbsolutePath(), config.toString()));
        if (sentinel) {
            command.add("--sentinel");
        }
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(name + ".log").toFile())).start();
        processes.add(process);
        return process;
    }

    private void awaitReplicaInSync(int masterPort) {
        Awaitility.await().atMost(START_WAIT).ignoreExceptions().until(() -> {
            try (Jedis jedis = dataNode(masterPort)) {
                return jedis.info("replication").contains("state=online");
            }
        });
    }

    private boolean sentinelReady(int port) {
        try (Jedis sentinel = new Jedis(new HostAndPort(HOST, port), config(sentinelPassword))) {
            Object quorum = sentinel.sendCommand(Protocol.Command.SENTINEL, "CKQUORUM", MASTER_NAME);
            return !sentinel.sentinelReplicas(MASTER_NAME).isEmpty()
                    && new String((byte[]) quorum).startsWith("OK 3 usable");
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static JedisClientConfig config(String password) {
        return DefaultJedisClientConfig.builder().connectionTimeoutMillis(1000).socketTimeoutMillis(2000)
                .password(password).build();
    }

    /** The log files, for a failed test's message. */
    public Path directory() {
        return dir;
    }

    @Override
    public void close() {
        for (Process process : processes) {
            process.destroyForcibly();
        }
        for (Process process : processes) {
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
