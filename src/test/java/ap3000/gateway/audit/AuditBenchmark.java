package ap3000.gateway.audit;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.LongAdder;

import org.apache.camel.Exchange;
import org.apache.camel.component.redis.processor.aggregate.RedisAggregationRepository;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;

import ap3000.gateway.GatewayProcess;
import ap3000.gateway.RunningGateway;
import ap3000.gateway.device.DeviceSocket;
import ap3000.gateway.device.TestFrames;
import ap3000.gateway.event.DeviceEvent;
import ap3000.gateway.event.EventJson;
import ap3000.gateway.event.JournalBatch;
import ap3000.gateway.event.JournalReader;
import ap3000.gateway.protocol.DnyFrame;
import ap3000.gateway.redis.RedisConnection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.resps.StreamEntry;
import redis.embedded.RedisServer;

/**
 * Figures for the audit trail, in one run:
 * <ol>
 *   <li>the cost of Camel's RedisAggregationRepository used as the aggregator uses it (get + add per event,
 *       batches of 100) against the journal stream read by a consumer group, on the same real Redis;</li>
 *   <li>device-path throughput through the real gateway over TCP with the audit on and off, and the audit's
 *       batch write latency and events/s written;</li>
 *   <li>what auditing one event costs, in CPU of the audit thread (read, write, acknowledge) and of redis-server,
 *       draining a journal filled beforehand: the profile behind part 2's overhead.</li>
 * </ol>
 * Run: {@code mvn -B -q test-compile exec:java@audit-benchmark} ({@code -Dconnections=256},
 * {@code -Dappendfsync=everysec}, {@code -DingressThreads=64}, {@code -DwarmupSeconds=60}, {@code -DrunSeconds=30},
 * {@code -Drounds=10} and {@code -DredisCpus=1} under {@code taskset -c 0} vary part 2)
 */
public final class AuditBenchmark {

    private static final int BATCH = 100;
    /** The embedded Redis' fsync policy for part 2: {@code -Dappendfsync=everysec} to compare with the default. */
    private static final String APPEND_FSYNC = System.getProperty("appendfsync", "always");
    /** Threads running the ingress route ({@code -DingressThreads=64}); each waits for its journal write. */
    private static final int INGRESS_THREADS = Integer.getInteger("ingressThreads", 16);
    /** The audit batch size for part 2 ({@code -DauditBatch=1000}); default: application.properties. */
    private static final String AUDIT_BATCH = System.getProperty("auditBatch");

    /**
     * Cores for redis-server in part 2 ({@code -DredisCpus=1}, with the benchmark itself started under
     * {@code taskset -c 0}): Redis off the gateway's cores, as on a host of its own.
     */
    private static final String REDIS_CPUS = System.getProperty("redisCpus");
    /** Length of each of part 2's two warm-up runs ({@code -DwarmupSeconds=60}); one core warms up slowly. */
    private static final int WARMUP_SECONDS = Integer.getInteger("warmupSeconds", 10);

    /** CPU (JVM and redis-server, us) per frame in the last part 2 run, and the mean of the runs with audit off. */
    private static double lastCpuMicrosPerFrame;
    private static double deviceCpuMicrosPerFrame;

    private AuditBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        System.out.printf(Locale.ROOT, "Audit benchmark, %d cores, %s %s%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.name"), System.getProperty("java.version"));
        if (!Boolean.getBoolean("skipPart1")) {
            repositoryCost();
        }
        if (!Boolean.getBoolean("skipPart2")) {
            ingressOverhead();
        }
        if (!Boolean.getBoolean("skipPart3")) {
            auditCost();
        }
        System.exit(0);
    }

    // ---- 1. aggregation repository vs journal stream ----------------------------------------------------------

    private static void repositoryCost() throws Exception {
        int port = RunningGateway.freePort();
        RedisServer redis = RedisServer.newRedisServer().port(port).bind("127.0.0.1")
                .setting("dir " + Files.createTempDirectory("bench-redis")).setting("appendonly yes")
                .setting("appendfsync always").build();
        redis.start();
        try {
            String json = EventJson.write(sampleEvent());
            int events = 5_000;
            System.out.printf(Locale.ROOT, "%n1. Durable batching of %d events (%d bytes each) in batches of %d, "
                    + "one thread, redis-server 6.2 appendfsync always%n", events, json.length(), BATCH);
            System.out.printf(Locale.ROOT, "%-52s %12s %14s%n", "mechanism", "events/s", "us per event");
            report("RedisAggregationRepository (pessimistic lock)", events, aggregationRepository(port, json, events, false));
            report("RedisAggregationRepository (optimistic)", events, aggregationRepository(port, json, events, true));
            report("journal stream + consumer group (XADD, XREADGROUP, XACK)", events, journalStream(port, json, events));
        } finally {
            redis.stop();
        }
    }

    private static long aggregationRepository(int port, String json, int events, boolean optimistic) throws Exception {
        DefaultCamelContext context = new DefaultCamelContext();
        context.start();
        RedisAggregationRepository repository = new RedisAggregationRepository("bench-" + optimistic,
                "127.0.0.1:" + port, optimistic);
        repository.start();
        try {
            long start = System.nanoTime();
            for (int i = 0; i < events; i++) {
                String key = "batch-" + (i / BATCH);
                Exchange old = repository.get(context, key);
                Exchange next = new DefaultExchange(context);
                @SuppressWarnings("unchecked")
                List<String> body = old == null ? new ArrayList<>() : new ArrayList<>(old.getIn().getBody(List.class));
                body.add(json);
                next.getIn().setBody(body);
                if (optimistic) {
                    repository.add(context, key, old, next);
                } else {
                    repository.add(context, key, next);
                }
                if (body.size() == BATCH) {
                    repository.remove(context, key, next);
                    repository.confirm(context, next.getExchangeId());
                }
            }
            return System.nanoTime() - start;
        } finally {
            repository.stop();
            context.stop();
        }
    }

    private static long journalStream(int port, String json, int events) {
        try (RedisClient client = RedisClient.create("127.0.0.1", port)) {
            client.xgroupCreate("bench:{events}", "audit", new StreamEntryID(0, 0), true);
            long start = System.nanoTime();
            for (int i = 0; i < events; i++) {
                client.xadd("bench:{events}", StreamEntryID.NEW_ENTRY, Map.of("event", json));
                if ((i + 1) % BATCH == 0) {
                    List<Map.Entry<String, List<StreamEntry>>> read = client.xreadGroup("audit", "bench",
                            XReadGroupParams.xReadGroupParams().count(BATCH),
                            Map.of("bench:{events}", StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY));
                    List<StreamEntry> entries = read.get(0).getValue();
                    client.xack("bench:{events}", "audit", entries.stream().map(StreamEntry::getID)
                            .toArray(StreamEntryID[]::new));
                }
            }
            return System.nanoTime() - start;
        }
    }

    private static void report(String name, int events, long nanos) {
        System.out.printf(Locale.ROOT, "%-52s %,12.0f %14.1f%n", name, events / (nanos / 1e9), nanos / 1e3 / events);
    }

    // ---- 2. device path with audit on and off ------------------------------------------------------------------

    private static void ingressOverhead() throws Exception {
        int connections = Integer.getInteger("connections", 64);
        // longer runs average out more of the scheduler's noise between the gateway and its load threads
        int seconds = Integer.getInteger("runSeconds", 15);
        System.out.printf(Locale.ROOT, "%n2. Device path through the gateway: %d connections, closed loop "
                + "(0x21 heartbeat, wait for the reply), %d s per run, runs alternate, appendfsync %s, %d ingress threads%s%n",
                connections, seconds, APPEND_FSYNC, INGRESS_THREADS,
                REDIS_CPUS == null ? "" : ", redis-server on cores " + REDIS_CPUS + " only");
        System.out.printf(Locale.ROOT, "%-10s %12s %12s %16s %16s %14s %11s %11s%n", "audit", "frames/s",
                "accepted/s", "batch write avg", "batch write max", "audit events/s", "redis CPU", "JVM CPU");
        System.out.println("(warm-up runs, one per mode, not counted)");
        run(false, connections, WARMUP_SECONDS);
        run(true, connections, WARMUP_SECONDS);
        int rounds = Integer.getInteger("rounds", 2);
        double[] on = new double[rounds];
        double[] off = new double[rounds];
        double[] offCpuPerFrame = new double[rounds];
        for (int round = 0; round < rounds; round++) {
            off[round] = run(false, connections, seconds);
            offCpuPerFrame[round] = lastCpuMicrosPerFrame;
            on[round] = run(true, connections, seconds);
        }
        double meanOn = java.util.Arrays.stream(on).average().orElseThrow();
        double meanOff = java.util.Arrays.stream(off).average().orElseThrow();
        System.out.printf(Locale.ROOT, "audit overhead on device-path throughput: %.2f %% (mean on %.0f, mean off %.0f "
                + "frames/s over %d rounds); runs of one mode spread over %.1f %% (off) and %.1f %% (on)%n",
                (meanOff - meanOn) / meanOff * 100, meanOn, meanOff, rounds, spread(off) / meanOff * 100,
                spread(on) / meanOn * 100);
        // each on run against the off run just before it: the machine's drift between rounds cancels out
        double[] paired = new double[rounds];
        for (int round = 0; round < rounds; round++) {
            paired[round] = (off[round] - on[round]) / off[round] * 100;
        }
        double pairedMean = java.util.Arrays.stream(paired).average().orElseThrow();
        double pairedSd = Math.sqrt(java.util.Arrays.stream(paired).map(p -> (p - pairedMean) * (p - pairedMean)).sum()
                / Math.max(1, rounds - 1));
        java.util.Arrays.sort(paired);
        System.out.printf(Locale.ROOT, "paired by round (on vs the off run before it): median %.2f %%, from %.2f to "
                + "%.2f %%; mean %.2f %% +- %.2f (two standard errors: what the noise of this many rounds allows)%n",
                rounds % 2 == 1 ? paired[rounds / 2] : (paired[rounds / 2 - 1] + paired[rounds / 2]) / 2,
                paired[0], paired[rounds - 1], pairedMean, 2 * pairedSd / Math.sqrt(rounds));
        deviceCpuMicrosPerFrame = java.util.Arrays.stream(offCpuPerFrame).average().orElseThrow();
        System.out.printf(Locale.ROOT, "CPU per frame of the device path with the audit off (gateway JVM with the load "
                + "generator, and redis-server): %.1f us%n", deviceCpuMicrosPerFrame);
    }

    private static double spread(double[] runs) {
        return java.util.Arrays.stream(runs).max().orElseThrow() - java.util.Arrays.stream(runs).min().orElseThrow();
    }

    private static double run(boolean audit, int connections, int seconds) throws Exception {
        Map<String, String> properties = new java.util.HashMap<>(Map.of("audit.enabled", Boolean.toString(audit),
                "gateway.redis.appendfsync", APPEND_FSYNC,
                "camel.component.netty.maximum-pool-size", Integer.toString(INGRESS_THREADS)));
        if (AUDIT_BATCH != null) {
            properties.put("audit.batch-size", AUDIT_BATCH);
        }
        try (RunningGateway gateway = RunningGateway.start(properties)) {
            long redisPid = Long.parseLong(Files.readString(gateway.dataDir().resolve("redis/redis.pid")).trim());
            if (REDIS_CPUS != null) {
                pin(redisPid, REDIS_CPUS);
            }
            long redisCpuBefore = GatewayProcess.cpuTicks(redisPid);
            long jvmCpuBefore = jvmCpuNanos();
            LongAdder frames = new LongAdder();
            long deadline = System.nanoTime() + seconds * 1_000_000_000L;
            ExecutorService pool = Executors.newFixedThreadPool(connections);
            List<Future<?>> devices = new ArrayList<>();
            for (int c = 0; c < connections; c++) {
                int physicalId = 0x04700000 + c;
                devices.add(pool.submit(() -> {
                    try (DeviceSocket socket = new DeviceSocket(gateway.tcpPort())) {
                        socket.send(TestFrames.iccid());
                        int msg = 0;
                        while (System.nanoTime() < deadline) {
                            DnyFrame heartbeat = TestFrames.heartbeat(physicalId, ++msg & 0xFFFF, 0, 0);
                            socket.send(heartbeat);
                            socket.readFrame();
                            frames.increment();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : devices) {
                f.get();
            }
            pool.shutdown();
            double framesPerSecond = frames.sum() / (double) seconds;
            // what the journal had not written yet when the load stopped counts against nothing: it is reported
            ap3000.gateway.event.EventJournal journal = gateway.bean("eventJournal", ap3000.gateway.event.EventJournal.class);
            int queuedAtEnd = journal.queued();
            // share of one core over the run: the resource each side used
            double redisCpu = (GatewayProcess.cpuTicks(redisPid) - redisCpuBefore) / 100.0 / seconds * 100;
            double jvmCpu = (jvmCpuNanos() - jvmCpuBefore) / 1e9 / seconds * 100;
            AuditStore store = gateway.bean("auditStore", AuditStore.class);
            long batches = store.writtenBatches();
            System.out.printf(Locale.ROOT, "%-10s %,12.0f %,12.0f %13.2f ms %13.2f ms %,14.0f %10.0f%% %10.0f%%%n",
                    audit ? "on" : "off",
                    framesPerSecond, gateway.bean("eventJournal", ap3000.gateway.event.EventJournal.class).acceptedCount()
                            / (double) seconds,
                    batches == 0 ? 0.0 : store.writeNanos() / 1e6 / batches, store.maxWriteNanos() / 1e6,
                    store.writtenEvents() / (double) seconds, redisCpu, jvmCpu);
            if (queuedAtEnd > 0) {
                System.out.printf(Locale.ROOT, "           (%d batches still queued for the journal at the end)%n", queuedAtEnd);
            }
            if (audit) {
                // keeping up: what the audit had not written when the load stopped
                ap3000.gateway.ops.GatewayMetrics metrics = gateway.bean("gatewayMetrics",
                        ap3000.gateway.ops.GatewayMetrics.class);
                metrics.refresh();
                System.out.printf(Locale.ROOT, "           audit at the end: key events %d ms behind the journal, "
                                + "%,d frames waiting for the frame log's next flush (every %s), %,d device-hours of "
                                + "heartbeat summaries for theirs%n", metrics.auditLagMillis(),
                        gateway.bean("frameLog", FrameLog.class).buffered(),
                        gateway.context().resolvePropertyPlaceholders("{{audit.frames.flush-interval}}"),
                        gateway.bean("heartbeatSummaries", HeartbeatSummaries.class).pendingHours());
            }
            lastCpuMicrosPerFrame = (redisCpu + jvmCpu) / 100 * 1e6 / framesPerSecond;
            return framesPerSecond;
        }
    }

    /** Moves every thread of a process to the given cores; its forks (AOF rewrites) inherit them. */
    private static void pin(long pid, String cpus) throws Exception {
        Process taskset = new ProcessBuilder("taskset", "-apc", cpus, Long.toString(pid)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (taskset.waitFor() != 0) {
            throw new IllegalStateException("taskset could not pin redis-server " + pid + " to cores " + cpus);
        }
    }

    private static long jvmCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    // ---- 3. CPU per audited event --------------------------------------------------------------------------------

    private static void auditCost() throws Exception {
        int events = Integer.getInteger("costEvents", 200_000);
        int runs = Integer.getInteger("costRuns", 3);
        int batch = AUDIT_BATCH == null ? BATCH : Integer.parseInt(AUDIT_BATCH);
        System.out.printf(Locale.ROOT, "%n3. CPU per audited event (us): %,d heartbeat events of 64 devices in the "
                + "journal, drained by one thread in batches of %d, redis-server appendfsync %s, a fresh Redis per run%n",
                events, batch, APPEND_FSYNC);
        System.out.printf(Locale.ROOT, "%-5s %10s %10s %10s %14s %10s %12s %15s%n", "run", "read", "write", "ack",
                "redis-server", "total", "events/s", "Redis memory");
        double[] totals = new double[runs];
        String commandStats = "";
        for (int run = 0; run < runs; run++) {
            int port = RunningGateway.freePort();
            RedisServer redis = RedisServer.newRedisServer().port(port).bind("127.0.0.1")
                    .setting("dir " + Files.createTempDirectory("bench-redis")).setting("appendonly yes")
                    .setting("appendfsync " + APPEND_FSYNC).build();
            redis.start();
            RedisConnection connection = new RedisConnection("redis://127.0.0.1:" + port, null, 0, APPEND_FSYNC,
                    java.time.Duration.ofSeconds(10), 4);
            connection.start();
            try {
                totals[run] = drain(connection, events, batch, run + 1);
                commandStats = connection.client().info("commandstats");
            } finally {
                connection.stop();
                redis.stop();
            }
        }
        java.util.Arrays.sort(totals);
        System.out.printf(Locale.ROOT, "median total: %.2f us per audited event%n", totals[runs / 2]);
        if (deviceCpuMicrosPerFrame > 0) {
            // at saturation every microsecond the audit spends is one the device path does not get
            System.out.printf(Locale.ROOT, "an audit that keeps up with one event per frame takes %.1f %% of the "
                    + "device path's throughput at saturation (%.2f / (%.1f + %.2f))%n", totals[runs / 2]
                    / (deviceCpuMicrosPerFrame + totals[runs / 2]) * 100, totals[runs / 2], deviceCpuMicrosPerFrame,
                    totals[runs / 2]);
        }
        // the share of redis-server's time spent executing each command (last run); the rest of its time goes
        // to reading requests, writing replies and the append-only file
        for (String line : commandStats.lines().toList()) {
            if (line.startsWith("cmdstat_")) {
                String name = line.substring(8, line.indexOf(':'));
                Map<String, String> stats = new java.util.HashMap<>();
                for (String pair : line.substring(line.indexOf(':') + 1).split(",")) {
                    stats.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
                }
                System.out.printf(Locale.ROOT, "  redis-server executing %-12s %6.2f us per event (%,d calls, %.2f us "
                        + "each)%n", name, Long.parseLong(stats.get("usec")) / (double) events,
                        Long.parseLong(stats.get("calls")), Double.parseDouble(stats.get("usec_per_call")));
            }
        }
    }

    /** Fills a journal, then audits it as the audit route does; prints one row and returns the total us/event. */
    private static double drain(RedisConnection connection, int events, int batch, int run) throws Exception {
        // as the gateway wires them (GatewayConfiguration)
        AuditStore store = new AuditStore(connection, "audit:", java.time.Duration.ofHours(168),
                java.time.Duration.ofHours(720), java.time.Duration.ofHours(720), java.time.Clock.systemUTC(),
                new SimpleMeterRegistry());
        String stream = "bench:{events}";
        try (AbstractPipeline p = connection.pipelined()) {
            for (int i = 0; i < events; i++) {
                DeviceEvent e = sampleEvent(String.format(Locale.ROOT, "04A2%04X", i % 64));
                p.xadd(stream, StreamEntryID.NEW_ENTRY, Map.of("type", e.eventType(), "id", e.eventId(),
                        "device", e.deviceId(), "us", Long.toString(e.occurredAtMicros()), "event",
                        EventJson.write(e)));
                if (i % 1000 == 999) {
                    p.sync();
                }
            }
        }
        JournalReader<AuditEntry> reader = new JournalReader<>(connection, stream, "audit", "bench", batch,
                java.time.Duration.ofMillis(100), java.time.Duration.ofMinutes(5), AuditEntry::fromJournal)
                .countOnAck(new JournalReader.AckCounts<>(store::countsKey, AuditEntry::eventType,
                        store.eventsTtlSeconds()));

        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long redisPid = Long.parseLong(connection.client().info("server").lines()
                .filter(l -> l.startsWith("process_id:")).findFirst().orElseThrow().substring(11).trim());
        connection.client().sendCommand(Protocol.Command.CONFIG, "RESETSTAT");
        long memoryBefore = usedMemory(connection);
        long redisBefore = GatewayProcess.cpuTicks(redisPid);
        long readNanos = 0;
        long writeNanos = 0;
        long ackNanos = 0;
        long written = 0;
        long start = System.nanoTime();
        while (written < events) {
            long t0 = threads.getCurrentThreadCpuTime();
            JournalBatch<AuditEntry> next = reader.next();
            long t1 = threads.getCurrentThreadCpuTime();
            if (next.isEmpty()) {
                continue; // an empty read between the end of one batch and the next entry's arrival
            }
            store.write(next.entries());
            long t2 = threads.getCurrentThreadCpuTime();
            reader.ack(next);
            long t3 = threads.getCurrentThreadCpuTime();
            readNanos += t1 - t0;
            writeNanos += t2 - t1;
            ackNanos += t3 - t2;
            written += next.size();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        // clock ticks of 10 ms
        double redisMicros = (GatewayProcess.cpuTicks(redisPid) - redisBefore) * 10_000.0 / written;
        double total = (readNanos + writeNanos + ackNanos) / 1e3 / written + redisMicros;
        // the journal's entries stay (nothing trims them here): the growth is the audit store's
        double bytesPerEvent = (usedMemory(connection) - memoryBefore) / (double) written;
        System.out.printf(Locale.ROOT, "%-5d %10.2f %10.2f %10.2f %14.2f %10.2f %,12.0f %,13.0f B%n", run,
                readNanos / 1e3 / written, writeNanos / 1e3 / written, ackNanos / 1e3 / written, redisMicros, total,
                written / seconds, bytesPerEvent);
        return total;
    }

    /** Memory Redis holds data in: without the append-only file's buffers and clients' buffers, which come and go. */
    private static long usedMemory(RedisConnection connection) {
        Map<String, Long> memory = new java.util.HashMap<>();
        for (String line : connection.client().info("memory").lines().toList()) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(colon + 1).trim().matches("\\d+")) {
                memory.put(line.substring(0, colon), Long.parseLong(line.substring(colon + 1).trim()));
            }
        }
        return memory.get("used_memory") - memory.get("mem_aof_buffer") - memory.get("mem_clients_normal");
    }

    private static DeviceEvent sampleEvent() {
        return sampleEvent("04A228CD");
    }

    private static DeviceEvent sampleEvent(String deviceId) {
        long now = System.currentTimeMillis();
        return new DeviceEvent(java.util.UUID.randomUUID().toString(), "device_heartbeat", deviceId, null,
                now / 1000, Map.of("voltage", 234.7, "port_count", 2, "signal_strength", 0, "temperature", 28,
                "port_statuses", List.of(Map.of("port", 1, "status", 0, "status_desc", "空闲"),
                        Map.of("port", 2, "status", 0, "status_desc", "空闲")), "command", "0x21"),
                now * 1000, "444E591000F36CA204B901212B09020000005D6E04", "in", 1L, "bench");
    }
}
