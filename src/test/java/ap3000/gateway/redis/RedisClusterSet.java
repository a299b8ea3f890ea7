package ap3000.gateway.redis;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import org.awaitility.Awaitility;

import ap3000.gateway.RunningGateway;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.params.MigrateParams;
import redis.embedded.core.ExecutableProvider;

/**
 * A Redis Cluster of real redis-server processes (the binary embedded-redis ships) on free loopback ports: three
 * masters sharing the 16384 slots in equal ranges, each with one replica, all asking for a password. Formed the
 * way redis-cli would, with plain commands: CLUSTER MEET, ADDSLOTSRANGE, REPLICATE. {@link #close()} kills every
 * process it started, also after a failed test.
 */
public final class RedisClusterSet implements AutoCloseable {

    private static final String HOST = "127.0.0.1";
    private static final int SLOTS = 16384;
    private static final Duration START_WAIT = Duration.ofSeconds(30);
    /** A node's cluster bus listens on its port + 10000. */
    private static final int HIGHEST_PORT = 55535;

    private final Path dir;
    private final File binary;
    private final String password;
    private final Map<Integer, Process> processes = new LinkedHashMap<>();
    private final int[] masterPorts;
    private final int[] replicaPorts;

    private RedisClusterSet(String password, int masters, boolean replicas) throws IOException {
        this.dir = Files.createTempDirectory("redis-cluster");
        this.binary = ExecutableProvider.newJarResourceProvider().get();
        this.password = password;
        int[] ports = clusterPorts(replicas ? 2 * masters : masters);
        masterPorts = Arrays.copyOfRange(ports, 0, masters);
        replicaPorts = replicas ? Arrays.copyOfRange(ports, masters, 2 * masters) : new int[0];
    }

    /** Three masters, each with one replica in sync, ready when every node reports {@code cluster_state:ok}. */
    public static RedisClusterSet start(String password) throws Exception {
        RedisClusterSet set = new RedisClusterSet(password, 3, true);
        try {
            set.form();
            return set;
        } catch (Exception | AssertionError e) {
            set.close();
            throw e;
        }
    }

    private void form() throws Exception {
        for (int port : allPorts()) {
            launch(port);
        }
        try (Jedis first = node(masterPorts[0])) {
            for (int port : allPorts()) {
                if (port != masterPorts[0]) {
                    first.clusterMeet(HOST, port);
                }
            }
        }
        int from = 0;
        for (int i = 0; i < masterPorts.length; i++) {
            int to = (i + 1) * SLOTS / masterPorts.length - 1;
            try (Jedis master = node(masterPorts[i])) {
                master.clusterAddSlots(IntStream.rangeClosed(from, to).toArray());
            }
            from = to + 1;
        }
        // a replica can follow a master only once it knows it (the gossip of the MEETs has reached it)
        for (int i = 0; i < replicaPorts.length; i++) {
            String masterId = nodeId(masterPorts[i]);
            int replicaPort = replicaPorts[i];
            Awaitility.await().atMost(START_WAIT).ignoreExceptions().until(() -> {
                try (Jedis replica = node(replicaPort)) {
                    return "OK".equals(replica.clusterReplicate(masterId));
                }
            });
        }
        for (int port : allPorts()) {
            Awaitility.await().atMost(START_WAIT).ignoreExceptions().until(() -> {
                try (Jedis jedis = node(port)) {
                    return jedis.clusterInfo().contains("cluster_state:ok")
                            && jedis.clusterNodes().lines().count() == allPorts().length;
                }
            });
        }
        for (int port : masterPorts) {
            Awaitility.await().atMost(START_WAIT).ignoreExceptions().until(() -> {
                try (Jedis master = node(port)) {
                    return replicaPorts.length == 0 || master.info("replication").contains("state=online");
                }
            });
        }
    }

    private void launch(int port) throws IOException {
        List<String> settings = List.of("port " + port, "bind " + HOST, "daemonize no", "dir \"" + dir + "\"",
                "cluster-enabled yes", "cluster-config-file nodes-" + port + ".conf",
                // fast enough for a test; production keeps the default 15 s
                "cluster-node-timeout 2000", "dbfilename dump-" + port + ".rdb", "save \"\"", "appendonly no",
                "requirepass " + password, "masterauth " + password);
        Path config = dir.resolve("redis-" + port + ".conf");
        Files.writeString(config, String.join("\n", settings) + "\n");
        processes.put(port, new ProcessBuilder(binary.getAbsolutePath(), config.toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis-" + port + ".log").toFile()))
                .start());
        Awaitility.await().atMost(START_WAIT).ignoreExceptions().until(() -> {
            try (Jedis jedis = node(port)) {
                return "PONG".equals(jedis.ping());
            }
        });
    }

    private String nodeId(int port) {
        try (Jedis jedis = node(port)) {
            return jedis.clusterMyId();
        }
    }

    /** A gateway's settings for this cluster: its seed nodes and password, the journal in this many shards. */
    public Map<String, String> gatewayProperties(int shards) {
        return new java.util.HashMap<>(Map.of("gateway.redis.cluster.nodes", seedNodes(), "gateway.redis.password",
                password, "gateway.events.shards", Integer.toString(shards)));
    }

    /** For {@code gateway.redis.cluster.nodes}: one master is enough for the client to learn the rest. */
    public String seedNodes() {
        return HOST + ":" + masterPorts[0] + "," + HOST + ":" + masterPorts[1];
    }

    public int[] masterPorts() {
        return masterPorts.clone();
    }

    /** SIGKILL to the replica of a master; returns once the master has no replica left. */
    public void killReplicaOf(int masterPort) throws InterruptedException {
        for (int i = 0; i < masterPorts.length; i++) {
            if (masterPorts[i] == masterPort && i < replicaPorts.length) {
                Process replica = processes.get(replicaPorts[i]);
                replica.destroyForcibly();
                replica.waitFor();
            }
        }
        Awaitility.await().atMost(START_WAIT).ignoreExceptions().until(() -> {
            try (Jedis master = node(masterPort)) {
                return master.info("replication").contains("connected_slaves:0");
            }
        });
    }

    /**
     * SIGKILL to a master (no shutdown, no last write); returns once the process is gone. Its replica is promoted
     * after {@code cluster-node-timeout} (2 s here) and an election.
     */
    public void killMaster(int masterPort) throws InterruptedException {
        Process master = processes.get(masterPort);
        master.destroyForcibly();
        master.waitFor();
    }

    /**
     * Starts a killed node again on its port, with its cluster configuration file: the other nodes tell it that its
     * slots have a newer owner and it becomes that owner's replica (it comes back empty, as nothing is saved, and
     * syncs). Only after the promotion: a master back before it would claim its slots again, empty. Returns once it
     * replicates, in sync.
     */
    public void restartAsReplica(int port) throws Exception {
        launch(port);
        Awaitility.await().atMost(START_WAIT).ignoreExceptions().until(() -> {
            try (Jedis node = node(port)) {
                String replication = node.info("replication");
                return replication.contains("role:slave") && replication.contains("master_link_status:up");
            }
        });
    }

    /** The master holding a slot, by its port, as the nodes see it now (CLUSTER NODES asked of one live node). */
    public int masterPortOf(String key, int askPort) {
        try (Jedis jedis = node(askPort)) {
            String owner = slotOwners(jedis).get(jedis.clusterKeySlot(key));
            return Integer.parseInt(owner.substring(owner.lastIndexOf(':') + 1));
        }
    }

    /**
     * Moves a key's slot from one master to another while clients use it, as {@code redis-cli --cluster reshard}
     * does: IMPORTING on the target, MIGRATING on the source, MIGRATE of every key of the slot (with the nodes'
     * password), then SETSLOT ... NODE on the target, the source and every other master.
     */
    public void migrateSlotOf(String key, int fromPort, int toPort) {
        try (Jedis from = node(fromPort); Jedis to = node(toPort)) {
            int slot = (int) from.clusterKeySlot(key);
            String fromId = from.clusterMyId();
            String toId = to.clusterMyId();
            to.clusterSetSlotImporting(slot, fromId);
            from.clusterSetSlotMigrating(slot, toId);
            for (List<String> keys = from.clusterGetKeysInSlot(slot, 100); !keys.isEmpty();
                 keys = from.clusterGetKeysInSlot(slot, 100)) {
                from.migrate(HOST, toPort, 0, 5000, MigrateParams.migrateParams().auth(password),
                        keys.toArray(new String[0]));
            }
            to.clusterSetSlotNode(slot, toId);
            from.clusterSetSlotNode(slot, toId);
            for (int port : masterPorts) {
                if (port != fromPort && port != toPort && processes.get(port).isAlive()) {
                    try (Jedis other = node(port)) {
                        other.clusterSetSlotNode(slot, toId);
                    }
                }
            }
        }
    }

    /** Which master holds a key's slot now, as {@code host:port}. */
    public String masterOf(String key) {
        try (Jedis jedis = node(masterPorts[0])) {
            long slot = jedis.clusterKeySlot(key);
            return slotOwners(jedis).get(slot);
        }
    }

    /** Slot -> the master holding it, from CLUSTER NODES (only the masters' lines carry slot ranges). */
    private static Map<Long, String> slotOwners(Jedis jedis) {
        Map<Long, String> owners = new LinkedHashMap<>();
        for (String line : jedis.clusterNodes().split("\n")) {
            String[] fields = line.trim().split(" ");
            if (fields.length < 9 || !fields[2].contains("master")) {
                continue;
            }
            String address = fields[1].substring(0, fields[1].indexOf('@'));
            for (int i = 8; i < fields.length; i++) {
                String[] range = fields[i].split("-");
                long from = Long.parseLong(range[0]);
                long to = range.length == 2 ? Long.parseLong(range[1]) : from;
                for (long slot = from; slot <= to; slot++) {
                    owners.put(slot, address);
                }
            }
        }
        return owners;
    }

    /** A direct connection to one node, bypassing the cluster client. */
    public Jedis node(int port) {
        return new Jedis(new HostAndPort(HOST, port), config());
    }

    private JedisClientConfig config() {
        return DefaultJedisClientConfig.builder().connectionTimeoutMillis(1000).socketTimeoutMillis(3000)
                .password(password).build();
    }

    /** Every node's port, masters first. */
    public int[] allPorts() {
        int[] all = Arrays.copyOf(masterPorts, masterPorts.length + replicaPorts.length);
        System.arraycopy(replicaPorts, 0, all, masterPorts.length, replicaPorts.length);
        return all;
    }

    /** Free ports whose cluster bus port (+10000) is also free and below 65536. */
    private static int[] clusterPorts(int count) {
        List<Integer> chosen = new ArrayList<>();
        while (chosen.size() < count) {
            for (int port : RunningGateway.freePorts(count)) {
                if (port <= HIGHEST_PORT && !chosen.contains(port) && free(port + 10000) && chosen.size() < count) {
                    chosen.add(port);
                }
            }
        }
        return chosen.stream().mapToInt(Integer::intValue).toArray();
    }

    private static boolean free(int port) {
        try (ServerSocket socket = new ServerSocket(port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The log files and the nodes' cluster configuration, for a failed test's message. */
    public Path directory() {
        return dir;
    }

    @Override
    public void close() {
        for (Process process : processes.values()) {
            process.destroyForcibly();
        }
        for (Process process : processes.values()) {
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
