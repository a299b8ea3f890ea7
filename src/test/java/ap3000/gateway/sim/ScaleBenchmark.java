package ap3000.gateway.sim;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ap3000.gateway.GatewayProcess;
import ap3000.gateway.Http;
import ap3000.gateway.RunningGateway;
import ap3000.gateway.notify.WebhookReceiver;
import ap3000.gateway.ops.Metrics;

/**
 * The scale benchmark (docs/benchmarks.md): the gateway in a process of its own with an embedded Redis, the device
 * simulator in this JVM or in processes of its own, everything on this machine's loopback. Parts ({@code -Dparts}):
 * <ul>
 *   <li>{@code baseline}: closed loop (each device sends its next heartbeat when the reply arrives) from
 *       {@code -Dconnections} devices against a bare Netty server with the same codec, then against the gateway:
 *       frames/s and reply latency, and the gateway's share of the bare limit;</li>
 *   <li>{@code rate}: an open-loop load of each of {@code -Drates} frames/s (devices x heartbeats) for {@code -Dseconds}
 *       through the whole gateway (decode, reply, journal, audit, webhooks to a local receiver): achieved frames/s,
 *       reply p50/p99, webhooks received;</li>
 *   <li>{@code devices}: {@code -Ddevices} devices held with heartbeats every 30 s by simulator processes: heap
 *       (after a full GC) and RSS per 1,000 connections, and CPU while holding them;</li>
 *   <li>{@code cluster}: three gateway processes on one Redis hold {@code -DclusterDevices} devices together, and a
 *       command sent through one node reaches a device on each other node, webhooks flowing meanwhile.</li>
 * </ul>
 * Run: {@code mvn -B -q test-compile exec:java@scale-benchmark -Dparts=baseline,rate,devices,cluster}
 */
public final class ScaleBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> TABLE = new LinkedHashMap<>();

    private ScaleBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Set<String> parts = Set.of(System.getProperty("parts", "baseline,rate,devices").split(","));
        System.out.printf(Locale.ROOT, "Scale benchmark, %d cores, %s %s, file limit per process: see ulimit -n%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
                System.getProperty("java.version"));
        if (parts.contains("baseline")) {
            baseline(Integer.getInteger("connections", 64), 20, Integer.getInteger("warmupSeconds", 20));
        }
        if (parts.contains("rate")) {
            for (String rate : System.getProperty("rates", "2000,5000,10000").split(",")) {
                rate(Integer.parseInt(rate.trim()), Integer.getInteger("seconds", 45));
            }
        }
        if (parts.contains("devices")) {
            devices(Integer.getInteger("devices", 19_000));
        }
        if (parts.contains("cluster")) {
            cluster(Integer.getInteger("clusterDevices", 50_000), 3);
        }
        System.out.println();
        System.out.println("| measure | value |");
        System.out.println("|---|---|");
        TABLE.forEach((k, v) -> System.out.printf("| %s | %s |%n", k, v));
        System.exit(0);
    }

    // ---- baseline: bare Netty vs the gateway, closed loop ------------------------------------------------------

    private static void baseline(int connections, int seconds, int warmupSeconds) throws Exception {
        System.out.printf(Locale.ROOT, "%nBaseline: %d devices in a closed loop (next heartbeat on the reply), %d s each "
                + "after a %d s warm-up of the same load%n", connections, seconds, warmupSeconds);
        int barePort = RunningGateway.freePort();
        SimulatorRun.Result bare;
        try (BareNettyServer server = new BareNettyServer(barePort)) {
            warmUp(barePort, 0, connections, warmupSeconds);
            bare = SimulatorRun.run(closedLoop(barePort, 0, connections), Duration.ofSeconds(seconds), false);
        }
        report("bare Netty + codec", bare);
        SimulatorRun.Result gateway;
        String cpu;
        try (Gateway g = Gateway.start(Map.of(), List.of())) {
            warmUp(g.tcpPort, g.httpPort, connections, warmupSeconds);
            long redisPid = Long.parseLong(Files.readString(g.dataDir.resolve("redis/redis.pid")).trim());
            long gatewayBefore = g.cpuTicks();
            long redisBefore = GatewayProcess.cpuTicks(redisPid);
            long simulatorBefore = GatewayProcess.cpuTicks(ProcessHandle.current().pid());
            gateway = SimulatorRun.run(closedLoop(g.tcpPort, g.httpPort, connections), Duration.ofSeconds(seconds), false);
            // where the two cores went while the gateway was saturated (% of one core)
            cpu = String.format(Locale.ROOT, "gateway JVM %.0f %%, redis-server %.0f %%, simulator %.0f %%",
                    (g.cpuTicks() - gatewayBefore) / (double) seconds,
                    (GatewayProcess.cpuTicks(redisPid) - redisBefore) / (double) seconds,
                    (GatewayProcess.cpuTicks(ProcessHandle.current().pid()) - simulatorBefore) / (double) seconds);
            // profiled in a window of its own: with JFR's profile settings started, the gateway answered less than half
            // as many frames in that window (the C2 compiler took half a core), so it is not the measured one
            Path recording = g.dataDir.resolve("closed-loop.jfr");
            g.jcmd("JFR.start", "name=bench", "settings=profile", "filename=" + recording);
            SimulatorRun.Result profiled = SimulatorRun.run(closedLoop(g.tcpPort, g.httpPort, connections),
                    Duration.ofSeconds(seconds), false);
            g.jcmd("JFR.stop", "name=bench");
            System.out.printf(Locale.ROOT, "profiled window (JFR on): %,.0f frames/s%n", rate(profiled));
            printProfile(recording);
        }
        report("gateway (journal + audit)", gateway);
        System.out.println("CPU while the gateway was saturated (% of one core): " + cpu);
        double ratio = rate(gateway) / rate(bare) * 100;
        System.out.printf(Locale.ROOT, "gateway / bare: %.1f %%%n", ratio);
        TABLE.put("closed loop, " + connections + " devices: bare Netty + codec", describe(bare));
        TABLE.put("closed loop, " + connections + " devices: gateway", describe(gateway));
        TABLE.put("gateway frames/s as a share of bare Netty", String.format(Locale.ROOT, "%.1f %%", ratio));
        TABLE.put("CPU during the gateway's closed loop (of 200 %)", cpu);
    }

    /** A fresh JVM is still compiling its hot paths for the first seconds under load; measure after that. */
    private static void warmUp(int tcpPort, int httpPort, int connections, int seconds) throws Exception {
        if (seconds > 0) {
            SimulatorRun.Result warmUp = SimulatorRun.run(closedLoop(tcpPort, httpPort, connections),
                    Duration.ofSeconds(seconds), false);
            System.out.printf(Locale.ROOT, "  warm-up: %,.0f frames/s%n", rate(warmUp));
        }
    }

    private static DeviceSimulator.Settings closedLoop(int tcpPort, int httpPort, int devices) {
        return DeviceSimulator.Settings.builder(tcpPort, httpPort, RunningGateway.API_KEY)
                .devices(devices, 0x05100000).hosts(0, 0).connectPerSecond(5000).closedLoop(true).build();
    }

    // ---- rate: an open-loop load through everything --------------------------------------------------------

    private static void rate(int framesPerSecond, int seconds) throws Exception {
        int devices = Integer.getInteger("rateDevices", 2000);
        System.clearProperty("sim.measureAfterSeconds");
        long heartbeatMs = Math.max(1, devices * 1000L / framesPerSecond);
        // -Daudit=false and -Dwebhooks=false take those out, to see what each costs at this rate
        boolean audit = Boolean.parseBoolean(System.getProperty("audit", "true"));
        boolean webhooks = Boolean.parseBoolean(System.getProperty("webhooks", "true"));
        System.out.printf(Locale.ROOT, "%nRate: %d devices, a heartbeat each every %d ms (%,d frames/s), %d s, audit %s, "
                + "%s%n", devices, heartbeatMs, devices * 1000 / heartbeatMs, seconds, audit ? "on" : "off",
                webhooks ? "every event to a local webhook receiver" : "no webhook endpoint");
        try (WebhookReceiver receiver = new WebhookReceiver();
             Gateway g = Gateway.start(rateEnvironment(audit, webhooks, receiver.url()), List.of())) {
            DeviceSimulator.Settings settings = DeviceSimulator.Settings.builder(g.tcpPort, g.httpPort,
                    RunningGateway.API_KEY).devices(devices, 0x05200000).heartbeat(Duration.ofMillis(heartbeatMs))
                    .build();
            // the first 15 s connect and register the fleet: reply latency is taken after them
            System.setProperty("sim.measureAfterSeconds", "15");
            SimulatorRun.Result result = SimulatorRun.run(settings, Duration.ofSeconds(seconds), true);
            report("gateway, open loop", result);
            if (audit) {
                auditCatchUp(g.httpPort);
            }
            int delivered = receiver.accepted().size();
            System.out.printf(Locale.ROOT, "webhooks received during the run: %,d%n", delivered);
            TABLE.put(String.format(Locale.ROOT, "open loop %,d frames/s offered (%d devices)", devices * 1000 / heartbeatMs,
                    devices), describe(result));
            TABLE.put(String.format(Locale.ROOT, "webhooks received in the %,d frames/s run", framesPerSecond),
                    String.format(Locale.ROOT, "%,d", delivered));
        }
    }

    private static Map<String, String> rateEnvironment(boolean audit, boolean webhooks, String receiverUrl) {
        Map<String, String> environment = new java.util.HashMap<>(Map.of("AUDIT_ENABLED", Boolean.toString(audit)));
        if (webhooks) {
            environment.putAll(Map.of("NOTIFY_ENDPOINTS", "local", "NOTIFY_ENDPOINTS_LOCAL_URL", receiverUrl));
        }
        return environment;
    }

    /** How far behind the audit was when the load stopped, and how long it then took to write everything. */
    private static void auditCatchUp(int httpPort) throws Exception {
        long stopped = System.nanoTime();
        Metrics atEnd = Metrics.scrape(httpPort);
        System.out.printf(Locale.ROOT, "audit when the load stopped: lag %.1f s, %,.0f entries read and not yet written%n",
                atEnd.value("gateway_audit_lag_seconds"), atEnd.value("gateway_audit_pending"));
        // the gauges are refreshed by the ops-monitor route: wait for two readings of nothing behind
        int zeros = 0;
        while (zeros < 2 && System.nanoTime() - stopped < Duration.ofMinutes(5).toNanos()) {
            Metrics now = Metrics.scrape(httpPort);
            zeros = now.value("gateway_audit_lag_seconds") == 0 && now.value("gateway_audit_pending") == 0 ? zeros + 1 : 0;
            Thread.sleep(500);
        }
        System.out.printf(Locale.ROOT, "audit caught up %.1f s after the load stopped%s%n",
                (System.nanoTime() - stopped) / 1e9, zeros < 2 ? " (NOT within 5 minutes)" : "");
    }

    // ---- devices: connections held, memory per connection -----------------------------------------------------

    private static void devices(int devices) throws Exception {
        int processes = Math.max(1, (devices + 9_499) / 9_500);
        System.out.printf(Locale.ROOT, "%nDevices: %,d devices with a heartbeat every 30 s from %d simulator processes; "
                + "gateway -Xmx2g%n", devices, processes);
        try (Gateway g = Gateway.start(Map.of(), List.of("-Xmx2g"))) {
            long heapBefore = g.heapAfterGc();
            long rssBefore = g.rssBytes();
            DeviceSimulator.Settings settings = DeviceSimulator.Settings.builder(g.tcpPort, g.httpPort,
                    RunningGateway.API_KEY).devices(devices, 0x05300000).sourceAddresses(4).connectPerSecond(1000)
                    .build();
            // the simulator processes connect, hold for the run, and report; meanwhile the gateway is measured. Reply
            // latency is taken once the fleet is connected (the connect burst queues registrations)
            int holdSeconds = Integer.getInteger("holdSeconds", 100);
            System.setProperty("sim.measureAfterSeconds", Integer.toString(holdSeconds / 2));
            Thread sim = new Thread(() -> {
                try {
                    SimulatorRun.Result r = SimulatorRun.inProcesses(settings, Duration.ofSeconds(holdSeconds), processes);
                    SIM_RESULT.add(r);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            sim.start();
            long start = System.nanoTime();
            long online = 0;
            while (System.nanoTime() - start < Duration.ofSeconds(holdSeconds - 20).toNanos()) {
                online = g.devicesOnline();
                if (online >= devices) {
                    break;
                }
                Thread.sleep(1000);
            }
            double connectSeconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "%,d devices online after %.0f s%n", online, connectSeconds);
            long cpuBefore = g.cpuTicks();
            Thread.sleep(15_000);
            double cpu = (g.cpuTicks() - cpuBefore) / 100.0 / 15 * 100;
            long heapAfter = g.heapAfterGc();
            long rssAfter = g.rssBytes();
            long connections = g.connections();
            sim.join();
            SimulatorRun.Result r = SIM_RESULT.get(0);
            double heapPerConnection = (heapAfter - heapBefore) / (double) Math.max(1, connections);
            System.out.printf(Locale.ROOT, "connections %,d, heap after GC %,d -> %,d bytes (%.1f KB per connection), "
                            + "RSS %,d -> %,d MB, CPU %.0f %% of one core%n", connections, heapBefore, heapAfter,
                    heapPerConnection / 1024, rssBefore >> 20, rssAfter >> 20, cpu);
            report("simulator", r);
            TABLE.put("devices held by one gateway process (heartbeat 30 s)", String.format(Locale.ROOT,
                    "%,d devices on %,d connections (%,d asked), %,d wrong replies", online, connections, devices, r.wrong()));
            TABLE.put("heap per 1,000 connections (after full GC)", String.format(Locale.ROOT, "%.1f MB (%.1f KB each)",
                    heapPerConnection * 1000 / (1 << 20), heapPerConnection / 1024));
            TABLE.put("RSS of the gateway process", String.format(Locale.ROOT, "%,d MB idle, %,d MB holding them (%.1f MB "
                    + "per 1,000)", rssBefore >> 20, rssAfter >> 20, (rssAfter - rssBefore) / (double) (1 << 20)
                    / Math.max(1, connections) * 1000));
            TABLE.put("gateway CPU while holding them", String.format(Locale.ROOT, "%.0f %% of one core", cpu));
        }
    }

    // ---- cluster: three gateway processes on one Redis ----------------------------------------------------

    private static void cluster(int devices, int nodes) throws Exception {
        int redisPort = RunningGateway.freePort();
        redis.embedded.RedisServer redis = ap3000.gateway.ExternalRedis.start(redisPort,
                Files.createTempDirectory("scale-cluster-redis"));
        int perNode = devices / nodes;
        int processesPerNode = Math.max(1, (perNode + 9_499) / 9_500);
        System.out.printf(Locale.ROOT, "%nCluster: %d gateway processes on one redis-server, %,d devices each from %d "
                + "simulator processes each, heartbeat 30 s, device_online/device_register webhooks to a local receiver%n",
                nodes, perNode, processesPerNode);
        List<Gateway> gateways = new ArrayList<>();
        try (WebhookReceiver receiver = new WebhookReceiver()) {
            for (int n = 0; n < nodes; n++) {
                gateways.add(Gateway.start(Map.of("GATEWAY_REDIS_URL", "redis://127.0.0.1:" + redisPort,
                        "GATEWAY_NODE_ID", "node-" + (n + 1), "NOTIFY_ENDPOINTS", "local",
                        "GATEWAY_CLUSTER_SECRET", "scale-benchmark-cluster-secret-of-32-characters",
                        "NOTIFY_ENDPOINTS_LOCAL_URL", receiver.url(),
                        "NOTIFY_ENDPOINTS_LOCAL_EVENT_TYPES", "device_online,device_register"), List.of("-Xmx2g")));
            }
            int holdSeconds = Integer.getInteger("holdSeconds", 100);
            System.setProperty("sim.measureAfterSeconds", Integer.toString(holdSeconds / 2));
            List<Thread> sims = new ArrayList<>();
            List<SimulatorRun.Result> results = new java.util.concurrent.CopyOnWriteArrayList<>();
            for (int n = 0; n < nodes; n++) {
                Gateway g = gateways.get(n);
                DeviceSimulator.Settings settings = DeviceSimulator.Settings.builder(g.tcpPort, g.httpPort,
                        RunningGateway.API_KEY).devices(perNode, 0x05400000 + n * 0x100000).sourceAddresses(4)
                        .connectPerSecond(600).build();
                Thread sim = new Thread(() -> {
                    try {
                        results.add(SimulatorRun.inProcesses(settings, Duration.ofSeconds(holdSeconds), processesPerNode));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                sims.add(sim);
                sim.start();
            }
            long start = System.nanoTime();
            long online = 0;
            while (System.nanoTime() - start < Duration.ofSeconds(holdSeconds - 25).toNanos()) {
                online = 0;
                for (Gateway g : gateways) {
                    online += g.devicesOnline();
                }
                if (online >= (long) perNode * nodes) {
                    break;
                }
                Thread.sleep(1000);
            }
            System.out.printf(Locale.ROOT, "%,d devices online on %d nodes after %.0f s%n", online, nodes,
                    (System.nanoTime() - start) / 1e9);
            // a command through node 1 to the first device of every node: node 1 answers for the others
            List<String> commands = new ArrayList<>();
            for (int n = 0; n < nodes; n++) {
                String device = String.format("%08X", 0x05400000 + n * 0x100000);
                Http.Answer answer = Http.post(gateways.get(0).httpPort, "/api/v1/device/locate?view=gateway", RunningGateway.API_KEY,
                        "{\"deviceId\": \"" + device + "\", \"locateTime\": 3}");
                commands.add(device + " (node " + (n + 1) + "): " + answer.status());
            }
            System.out.println("locate through node 1: " + commands);
            List<Long> heaps = new ArrayList<>();
            for (Gateway g : gateways) {
                heaps.add(g.heapAfterGc() >> 20);
            }
            for (Thread sim : sims) {
                sim.join();
            }
            SimulatorRun.Result r = SimulatorRun.sum(results);
            report("simulators", r);
            int webhooks = receiver.accepted().size();
            System.out.printf(Locale.ROOT, "webhooks received: %,d; heap after GC per node (MB): %s%n", webhooks, heaps);
            TABLE.put(nodes + " gateway processes, one Redis", String.format(Locale.ROOT,
                    "%,d devices online together (%,d asked), %,d wrong replies, steady reply p99 %.1f ms", online,
                    (long) perNode * nodes, r.wrong(), r.p99Micros() / 1000.0));
            TABLE.put("commands through node 1 to devices on each node", String.join("; ", commands));
            TABLE.put("webhooks received during the cluster run", String.format(Locale.ROOT, "%,d", webhooks));
        } finally {
            for (Gateway g : gateways) {
                g.close();
            }
            redis.stop();
        }
    }

    /**
     * Where the gateway's CPU went (JFR execution samples): the share of samples by the first frame of the gateway's,
     * Camel's, Jedis' or Netty's code from the top of each stack, so the table says which part costs what.
     */
    private static void printProfile(Path recording) throws Exception {
        Map<String, Integer> byOwner = new java.util.HashMap<>();
        Map<String, Integer> byMethod = new java.util.HashMap<>();
        int samples = 0;
        for (jdk.jfr.consumer.RecordedEvent event : jdk.jfr.consumer.RecordingFile.readAllEvents(recording)) {
            if (!event.getEventType().getName().equals("jdk.ExecutionSample") || event.getStackTrace() == null) {
                continue;
            }
            samples++;
            List<jdk.jfr.consumer.RecordedFrame> frames = event.getStackTrace().getFrames();
            String owner = "JDK / other";
            String method = "?";
            for (jdk.jfr.consumer.RecordedFrame frame : frames) {
                String type = frame.getMethod().getType().getName();
                String area = type.startsWith("ap3000.") ? "gateway code" : type.startsWith("org.apache.camel.")
                        ? "Camel" : type.startsWith("redis.clients.") ? "Jedis (Redis client)"
                        : type.startsWith("io.netty.") ? "Netty" : type.startsWith("com.fasterxml.") ? "Jackson (JSON)"
                        : type.startsWith("org.apache.hc.") ? "HttpClient (webhooks)" : null;
                if (area != null) {
                    owner = area;
                    method = type.substring(type.lastIndexOf('.') + 1) + "." + frame.getMethod().getName();
                    break;
                }
            }
            byOwner.merge(owner, 1, Integer::sum);
            byMethod.merge(method, 1, Integer::sum);
        }
        int total = Math.max(1, samples);
        System.out.printf(Locale.ROOT, "gateway CPU profile (%,d JFR execution samples), by the nearest library frame:%n",
                samples);
        StringBuilder summary = new StringBuilder();
        byOwner.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).forEach(e -> {
            System.out.printf(Locale.ROOT, "  %-24s %5.1f %%%n", e.getKey(), 100.0 * e.getValue() / total);
            summary.append(summary.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%s %.0f %%", e.getKey(),
                    100.0 * e.getValue() / total));
        });
        System.out.println("  top methods:");
        byMethod.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(12)
                .forEach(e -> System.out.printf(Locale.ROOT, "    %-60s %5.1f %%%n", e.getKey(),
                        100.0 * e.getValue() / total));
        TABLE.put("gateway CPU by part (JFR samples, closed loop)", summary.toString());
    }

    private static final List<SimulatorRun.Result> SIM_RESULT = new java.util.concurrent.CopyOnWriteArrayList<>();

    // ---- helpers ---------------------------------------------------------------------------------------------

    private static double rate(SimulatorRun.Result r) {
        return r.repliesOk() / r.seconds();
    }

    private static String describe(SimulatorRun.Result r) {
        return String.format(Locale.ROOT, "%,.0f frames/s, reply p50 %.2f ms, p99 %.2f ms, %,d wrong", rate(r),
                r.p50Micros() / 1000.0, r.p99Micros() / 1000.0, r.wrong());
    }

    private static void report(String name, SimulatorRun.Result r) {
        System.out.printf(Locale.ROOT, "%-28s %s%n", name, describe(r));
        r.problems().forEach(p -> System.out.println("  problem: " + p));
    }

    /** A gateway process with its embedded Redis, measured from outside as an operator would. */
    static final class Gateway implements AutoCloseable {
        Process process;
        final int tcpPort;
        final int httpPort;
        final Path dataDir;
        private final Map<String, String> environment;
        private final Map<String, String> processEnvironment;
        private final List<String> jvmOptions;

        private Gateway(Map<String, String> environment, List<String> jvmOptions) throws Exception {
            this.environment = environment;
            this.jvmOptions = jvmOptions;
            int[] ports = RunningGateway.freePorts(2);
            tcpPort = ports[0];
            httpPort = ports[1];
            dataDir = Files.createTempDirectory("scale-bench");
            processEnvironment = new LinkedHashMap<>(environment);
            processEnvironment.put("GATEWAY_HTTP_PORT", Integer.toString(httpPort));
            processEnvironment.putIfAbsent("GATEWAY_EVENTS_TRIM_INTERVAL", "10s");
            // the bench's simulated devices come and go faster than real ones; keep their logs quiet
            processEnvironment.put("LOG_LEVEL_AP3000", "WARN");
            startProcess();
        }

        private void startProcess() throws Exception {
            process = GatewayProcess.start(dataDir, tcpPort, processEnvironment, jvmOptions);
            GatewayProcess.awaitListening(tcpPort, process);
        }

        /** SIGTERM, as an operator stops it; returns how long it took to exit, in milliseconds. */
        long terminate() throws Exception {
            long start = System.nanoTime();
            GatewayProcess.terminate(process);
            process.waitFor();
            return (System.nanoTime() - start) / 1_000_000;
        }

        /** Starts the gateway again on the same ports and data. */
        void restart() throws Exception {
            startProcess();
        }

        static Gateway start(Map<String, String> environment, List<String> jvmOptions) throws Exception {
            return new Gateway(environment, jvmOptions);
        }

        void jcmd(String... command) throws Exception {
            List<String> line = new ArrayList<>(List.of(System.getProperty("java.home") + "/bin/jcmd",
                    Long.toString(process.pid())));
            line.addAll(List.of(command));
            new ProcessBuilder(line).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start().waitFor();
        }

        long heapAfterGc() throws Exception {
            jcmd("GC.run");
            JsonNode read = JSON.readTree(Http.text(httpPort,
                    "/observe/jolokia/read/java.lang:type=Memory/HeapMemoryUsage").body());
            return read.path("value").path("used").asLong();
        }

        long rssBytes() throws Exception {
            for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
            return -1;
        }

        long cpuTicks() throws Exception {
            return GatewayProcess.cpuTicks(process.pid());
        }

        /** Every event in the journal (keep GATEWAY_EVENTS_TRIM_INTERVAL long enough for that), read from its Redis. */
        List<ap3000.gateway.event.DeviceEvent> journal() throws Exception {
            try (redis.clients.jedis.RedisClient client = redis()) {
                List<ap3000.gateway.event.DeviceEvent> events = new ArrayList<>();
                // in pages: a whole hour's journal in one reply outlasts the client's read timeout on a busy machine
                String from = "-";
                while (true) {
                    List<redis.clients.jedis.resps.StreamEntry> page = client.xrange("gateway:{events}", from, "+",
                            10_000);
                    for (redis.clients.jedis.resps.StreamEntry entry : page) {
                        events.add(ap3000.gateway.event.EventJson.read(entry.getFields().get("event")));
                    }
                    if (page.size() < 10_000) {
                        return events;
                    }
                    from = "(" + page.get(page.size() - 1).getID();
                }
            }
        }

        /** A client of the gateway's Redis (the embedded one's password is in the data directory); close it. */
        redis.clients.jedis.RedisClient redis() throws Exception {
            String url = environment.get("GATEWAY_REDIS_URL");
            return redis.clients.jedis.RedisClient.create(java.net.URI.create(url != null ? url : "redis://:"
                    + Files.readString(dataDir.resolve("redis/redis.password")).trim() + "@127.0.0.1:"
                    + Files.readString(dataDir.resolve("redis/redis.port")).trim()));
        }

        long devicesOnline() throws Exception {
            return ((Number) Http.get(httpPort, "/api/v1/stats?view=gateway", RunningGateway.API_KEY).data().get("devices_online")).longValue();
        }

        long connections() throws Exception {
            return ((Number) Http.get(httpPort, "/api/v1/stats?view=gateway", RunningGateway.API_KEY).data().get("connections")).longValue();
        }

        @Override
        public void close() throws Exception {
            if (process.isAlive()) {
                terminate();
            }
        }
    }
}
