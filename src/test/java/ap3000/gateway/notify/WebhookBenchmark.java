package ap3000.gateway.notify;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

import ap3000.gateway.GatewayProcess;
import ap3000.gateway.RunningGateway;
import ap3000.gateway.device.DeviceSocket;
import ap3000.gateway.device.TestFrames;
import ap3000.gateway.event.DeviceEvent;
import ap3000.gateway.event.EventJournal;
import ap3000.gateway.redis.RedisConnection;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.resps.StreamEntry;
import ap3000.gateway.notify.WebhookReceiver.Answer;
import ap3000.gateway.notify.WebhookReceiver.Request;

/**
 * Figures for webhook delivery, through the real gateway, real TCP device connections and a real HTTP receiver:
 * <ol>
 *   <li>latency from the event (when the gateway observed it) to receipt, p50/p99, at a fixed rate;</li>
 *   <li>webhooks/s delivered when a backlog is released at once;</li>
 *   <li>the loss test: a gateway process fed for a while, its receiver down for part of the run and answering 500
 *       for another part, the gateway killed with kill -9 once and restarted: every accepted event must arrive.</li>
 * </ol>
 * Run: {@code mvn -B -q test-compile exec:java@webhook-benchmark} ({@code -Drate=1000 -Dseconds=30
 * -Dbacklog=20000 -DlossEvents=10000} vary it)
 */
public final class WebhookBenchmark {

    private static final int RATE = Integer.getInteger("rate", 1000);
    private static final int SECONDS = Integer.getInteger("seconds", 30);
    /** The first seconds of part 1 warm the JVM (JIT, connection pools) and are not measured. */
    private static final int WARM_UP = Integer.getInteger("warmUp", 20);
    private static final int BACKLOG = Integer.getInteger("backlog", 20_000);
    private static final int LOSS_EVENTS = Integer.getInteger("lossEvents", 10_000);
    private static final int DEVICES = 100;
    /** Which parts to run ({@code -Dparts=3} runs only the loss test). */
    private static final String PARTS = System.getProperty("parts", "1,2,3");

    private WebhookBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        System.out.printf(Locale.ROOT, "Webhook benchmark, %d cores, %s %s%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.name"), System.getProperty("java.version"));
        try (WebhookReceiver receiver = new WebhookReceiver();
             RunningGateway gateway = RunningGateway.start(Map.of("notify.endpoints", "bench",
                     "notify.endpoints.bench.url", receiver.url(), "audit.enabled", "false"))) {
            if (PARTS.contains("1")) {
                fixedRate(gateway, receiver);
            }
            if (PARTS.contains("2")) {
                backlog(gateway, receiver);
            }
        }
        if (PARTS.contains("3")) {
            lossTest();
        }
        System.exit(0);
    }

    // ---- 1. latency at a fixed rate ------------------------------------------------------------------------

    private static void fixedRate(RunningGateway gateway, WebhookReceiver receiver) throws Exception {
        System.out.printf(Locale.ROOT, "%n1. %d devices sending heartbeats for %d s at %d frames/s in total,"
                + " measured after %d s of warm-up%n", DEVICES, WARM_UP + SECONDS, RATE, WARM_UP);
        long periodMicros = 1_000_000L * DEVICES / RATE;
        long measuredFromMillis = System.currentTimeMillis() + TimeUnit.SECONDS.toMillis(WARM_UP);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(WARM_UP + SECONDS);
        runDevices(gateway.tcpPort(), 0x04B00000, (socket, id, msg) -> {
            long next = System.nanoTime();
            while (System.nanoTime() < end) {
                socket.send(TestFrames.heartbeat(id, msg.getAndIncrement(), 0, 0));
                socket.readFrame();
                next += periodMicros * 1000;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
            }
        });
        Map<String, Long> queued = gateway.bean("webhookOutbox", WebhookOutbox.class).depth("bench");
        List<DeviceEvent> events = gateway.journal().stream().filter(e -> e.deviceId().startsWith("04B")
                && e.occurredAtMicros() / 1000 >= measuredFromMillis).toList();
        // when each event entered the journal: the stream entry ID is Redis' clock in ms
        Map<String, Long> journalMillis = new HashMap<>();
        for (StreamEntry entry : gateway.bean("redis", RedisConnection.class).client().xrange(
                gateway.bean("eventJournal", EventJournal.class).streamKey(), (StreamEntryID) null, null)) {
            journalMillis.put(entry.getFields().get("id"), entry.getID().getTime());
        }
        waitFor(receiver, events, Duration.ofMinutes(5));
        Map<String, Long> occurredMillis = events.stream()
                .collect(Collectors.toMap(DeviceEvent::eventId, e -> e.occurredAtMicros() / 1000));
        List<Long> latencies = new ArrayList<>();
        List<Long> toJournal = new ArrayList<>();
        for (Request request : receiver.accepted()) {
            Long occurred = occurredMillis.get(request.eventId());
            if (occurred != null) {
                latencies.add(request.receivedAtMillis() - occurred);
                toJournal.add(journalMillis.get(request.eventId()) - occurred);
            }
        }
        latencies.sort(null);
        toJournal.sort(null);
        System.out.printf(Locale.ROOT, "   events accepted %d (%.0f/s), delivered %d%n", events.size(),
                events.size() / (double) SECONDS, latencies.size());
        System.out.printf(Locale.ROOT, "   event -> receipt latency ms: p50 %d  p90 %d  p99 %d  max %d%n",
                percentile(latencies, 50), percentile(latencies, 90), percentile(latencies, 99),
                latencies.get(latencies.size() - 1));
        System.out.printf(Locale.ROOT, "   of which event -> journal ms: p50 %d  p99 %d; queued when the load stopped: %s%n",
                percentile(toJournal, 50), percentile(toJournal, 99), queued);
    }

    // ---- 2. draining a backlog -------------------------------------------------------------------------------

    private static void backlog(RunningGateway gateway, WebhookReceiver receiver) throws Exception {
        WebhookOutbox outbox = gateway.bean("webhookOutbox", WebhookOutbox.class);
        outbox.disable("bench", "benchmark: building a backlog");
        gateway.bean("webhookWorkers", WebhookWorkers.class).wakeUp();
        int before = receiver.accepted().size();
        int perDevice = BACKLOG / DEVICES;
        runDevices(gateway.tcpPort(), 0x04C00000, (socket, id, msg) -> {
            for (int i = 0; i < perDevice; i++) {
                // alternating port status: a device_heartbeat and a port_heartbeat per frame after the first
                socket.send(TestFrames.heartbeat(id, msg.getAndIncrement(), 0, i % 2));
                socket.readFrame();
            }
        });
        List<DeviceEvent> events = gateway.journal().stream().filter(e -> e.deviceId().startsWith("04C")).toList();
        while (outbox.depth("bench").get("events") < events.size()) {
            Thread.sleep(50);
        }
        System.out.printf(Locale.ROOT, "%n2. A backlog of %d queued events released at once (8 workers)%n",
                events.size());
        long start = System.nanoTime();
        outbox.enable("bench");
        gateway.bean("webhookWorkers", WebhookWorkers.class).wakeUp();
        while (receiver.accepted().size() - before < events.size()) {
            Thread.sleep(20);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "   delivered %d in %.1f s: %.0f webhooks/s%n", events.size(), seconds,
                events.size() / seconds);
    }

    // ---- 3. loss test ----------------------------------------------------------------------------------------

    private static void lossTest() throws Exception {
        Path dataDir = Files.createTempDirectory("webhook-loss");
        int tcpPort = RunningGateway.freePort();
        int httpPort = RunningGateway.freePort();
        Receivers receivers = new Receivers(RunningGateway.freePort());
        int devices = 50;
        // every heartbeat changes a port's status: a device_heartbeat and a port_heartbeat
        int perDevice = LOSS_EVENTS / devices / 2;
        System.out.printf(Locale.ROOT, "%n3. Loss test: %d devices x %d heartbeats into a gateway process; the receiver"
                + " goes down, then answers 500, then the gateway is killed with kill -9 and restarted%n",
                devices, perDevice);
        Process gateway = startGatewayProcess(dataDir, tcpPort, httpPort, receivers.url());
        AtomicBoolean stopping = new AtomicBoolean();
        LongAdder reconnects = new LongAdder();
        ExecutorService load = Executors.newFixedThreadPool(devices);
        AtomicInteger sent = new AtomicInteger();
        GatewayProcess.awaitListening(tcpPort, gateway);
        List<java.util.concurrent.Future<?>> running = new ArrayList<>();
        for (int d = 0; d < devices; d++) {
            int id = 0x04D00000 + d;
            running.add(load.submit(() -> {
                int msg = 1;
                int done = 0;
                while (done < perDevice && !stopping.get()) {
                    try (DeviceSocket socket = new DeviceSocket(tcpPort)) {
                        socket.send(TestFrames.iccid());
                        socket.send(TestFrames.register(id, msg++));
                        socket.readFrame();
                        while (done < perDevice) {
                            socket.send(TestFrames.heartbeat(id, msg++, 0, done % 2));
                            socket.readFrame();
                            done++;
                            sent.incrementAndGet();
                            Thread.sleep(250);
                        }
                    } catch (IOException e) {
                        reconnects.increment();
                        Thread.sleep(200);
                    }
                }
                return null;
            }));
        }
        long t0 = System.nanoTime();
        sleepUntil(t0, 5);
        receivers.down();
        System.out.printf(Locale.ROOT, "   t=5s  receiver down (connection refused)%n");
        sleepUntil(t0, 10);
        receivers.up(Answer.status(500));
        System.out.printf(Locale.ROOT, "   t=10s receiver answers 500%n");
        sleepUntil(t0, 13);
        gateway.destroyForcibly().waitFor();
        System.out.printf(Locale.ROOT, "   t=13s gateway killed with kill -9 (%d heartbeats answered so far)%n",
                sent.get());
        gateway = startGatewayProcess(dataDir, tcpPort, httpPort, receivers.url());
        GatewayProcess.awaitListening(tcpPort, gateway);
        System.out.printf(Locale.ROOT, "   t=%.0fs gateway restarted on the same data%n", (System.nanoTime() - t0) / 1e9);
        sleepUntil(t0, 20);
        receivers.up(Answer.status(200));
        System.out.printf(Locale.ROOT, "   t=20s receiver answers 200%n");
        for (var future : running) {
            future.get();
        }
        load.shutdown();
        System.out.printf(Locale.ROOT, "   t=%.0fs load finished: %d heartbeats answered, %d reconnects%n",
                (System.nanoTime() - t0) / 1e9, sent.get(), reconnects.sum());
        new ProcessBuilder("kill", "-TERM", "--", "-" + gateway.pid()).start().waitFor();
        gateway.waitFor(60, TimeUnit.SECONDS);

        // what the journal accepted, read by a gateway on the same data (trimming off)
        List<DeviceEvent> accepted;
        try (RunningGateway reader = RunningGateway.start(Map.of("gateway.data-dir", dataDir.toString(),
                "notify.endpoints", "bench", "notify.endpoints.bench.url", receivers.url(),
                "notify.lease", "15s", "notify.retry.schedule", "2s,5s,10s,20s,30s,60s,120s"))) {
            accepted = reader.journal().stream().filter(e -> e.deviceId().startsWith("04D")).toList();
            Set<String> ids = accepted.stream().map(DeviceEvent::eventId).collect(Collectors.toSet());
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (!receivers.eventIds().containsAll(ids) && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            List<String> received = receivers.acceptedIds();
            Set<String> unique = new HashSet<>(received);
            Set<String> missing = new HashSet<>(ids);
            missing.removeAll(unique);
            Set<String> unknown = new HashSet<>(unique);
            unknown.removeAll(ids);
            System.out.printf(Locale.ROOT, "   events accepted into the journal: %d%n", ids.size());
            System.out.printf(Locale.ROOT, "   received (2xx): %d requests, %d distinct event_ids, %d duplicates%n",
                    received.size(), unique.size(), received.size() - unique.size());
            System.out.printf(Locale.ROOT, "   requests answered 500 or refused meanwhile: %d answered 500%n",
                    receivers.failedAnswers());
            System.out.printf(Locale.ROOT, "   missing: %d   received but never accepted: %d   dead letters: %d%n",
                    missing.size(), unknown.size(),
                    reader.bean("webhookOutbox", WebhookOutbox.class).deadLetterCount());
            System.out.println(missing.isEmpty() && unknown.isEmpty() ? "   RESULT: nothing lost" : "   RESULT: LOSS");
        } finally {
            receivers.close();
        }
    }

    /** The receiver of the loss test, taken down and brought back on the same port; remembers every request. */
    private static final class Receivers implements AutoCloseable {
        private final int port;
        private final List<Request> earlier = new ArrayList<>();
        private WebhookReceiver current;

        Receivers(int port) throws IOException {
            this.port = port;
            this.current = new WebhookReceiver(port);
        }

        String url() {
            return "http://127.0.0.1:" + port + "/hook";
        }

        synchronized void down() {
            if (current != null) {
                earlier.addAll(current.received());
                current.close();
                current = null;
            }
        }

        synchronized void up(Answer answer) throws IOException {
            if (current == null) {
                current = new WebhookReceiver(port);
            }
            current.answer(r -> answer);
        }

        synchronized List<Request> all() {
            List<Request> all = new ArrayList<>(earlier);
            if (current != null) {
                all.addAll(current.received());
            }
            return all;
        }

        List<String> acceptedIds() {
            return all().stream().filter(r -> r.status() == 200).map(Request::eventId).toList();
        }

        Set<String> eventIds() {
            return new HashSet<>(acceptedIds());
        }

        long failedAnswers() {
            return all().stream().filter(r -> r.status() != 200).count();
        }

        @Override
        public synchronized void close() {
            down();
        }
    }

    private interface DeviceLoad {
        void run(DeviceSocket socket, int physicalId, AtomicInteger messageId) throws Exception;
    }

    private static void runDevices(int tcpPort, int firstId, DeviceLoad load) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(DEVICES);
        List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
        for (int d = 0; d < DEVICES; d++) {
            int id = firstId + d;
            futures.add(pool.submit(() -> {
                try (DeviceSocket socket = new DeviceSocket(tcpPort)) {
                    AtomicInteger msg = new AtomicInteger(1);
                    socket.send(TestFrames.iccid());
                    socket.send(TestFrames.register(id, msg.getAndIncrement()));
                    socket.readFrame();
                    load.run(socket, id, msg);
                }
                return null;
            }));
        }
        for (var future : futures) {
            future.get();
        }
        pool.shutdown();
    }

    private static void waitFor(WebhookReceiver receiver, List<DeviceEvent> events, Duration atMost)
            throws InterruptedException {
        Set<String> ids = events.stream().map(DeviceEvent::eventId).collect(Collectors.toSet());
        long deadline = System.nanoTime() + atMost.toNanos();
        while (System.nanoTime() < deadline) {
            Set<String> got = receiver.accepted().stream().map(Request::eventId).collect(Collectors.toSet());
            if (got.containsAll(ids)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("not every event was delivered within " + atMost);
    }

    private static long percentile(List<Long> sorted, int p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }

    private static void sleepUntil(long t0, int second) throws InterruptedException {
        long wait = t0 + TimeUnit.SECONDS.toNanos(second) - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }

    /** A gateway in its own process, configured through the environment, with one webhook endpoint. */
    private static Process startGatewayProcess(Path dataDir, int tcpPort, int httpPort, String url) throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("GATEWAY_HTTP_PORT", Integer.toString(httpPort));
        env.put("GATEWAY_NODE_ID", "loss-test");
        env.put("AUDIT_ENABLED", "false");
        env.put("NOTIFY_ENDPOINTS", "bench");
        env.put("NOTIFY_ENDPOINTS_BENCH_URL", url);
        env.put("NOTIFY_ENDPOINTS_BENCH_TIMEOUT", "2s");
        // a node killed mid-delivery frees its devices after this
        env.put("NOTIFY_LEASE", "15s");
        env.put("NOTIFY_RETRY_DELAY_MS", "200");
        // shorter durable rounds than production's 5s,5m,..., so that the run ends within minutes
        env.put("NOTIFY_RETRY_SCHEDULE", "2s,5s,10s,20s,30s,60s,120s");
        env.put("NOTIFY_CIRCUIT_OPEN_SECONDS", "5");
        return GatewayProcess.start(dataDir, tcpPort, env);
    }
}
