package ap3000.gateway.sim;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

import org.HdrHistogram.Histogram;

import ap3000.gateway.ExternalRedis;
import ap3000.gateway.Http;
import ap3000.gateway.RunningGateway;
import ap3000.gateway.event.DeviceEvent;
import ap3000.gateway.notify.WebhookReceiver;
import redis.embedded.RedisServer;

/**
 * Fault runs at full size against a gateway process driven by the device simulator, each printing what was sent,
 * received, lost and duplicated ({@code -Dfaults}, docs/benchmarks.md):
 * <ul>
 *   <li>{@code receiver-down}: the webhook receiver refuses connections for {@code -DdownSeconds} (120), then comes
 *       back: every event delivered? how long after it came back (p50/p99/max)? ({@code -Dschedule=5s,30s,...}
 *       tries another durable retry schedule)</li>
 *   <li>{@code redis-down}: Redis stopped for {@code -DredisDownSeconds} (30) under load, then restarted: devices keep
 *       being answered, settlements are not acked meanwhile, how long until the gateway writes again, and is every
 *       settlement recorded once?</li>
 *   <li>{@code garbage}: 1,000 connections sending random bytes beside 300 healthy devices: do the healthy ones see an
 *       error, and what does the gateway's heap do?</li>
 *   <li>{@code receiver-flaky}: the receiver answers 500 to a third of the requests and holds another sixth past the
 *       endpoint's timeout: delivered, lost, delivered twice, retries;</li>
 *   <li>{@code sigterm}: SIGTERM to the gateway under load with sessions in flight, then a restart: how long the stop
 *       took against {@code gateway.shutdown-timeout}, and is every settlement recorded once?</li>
 * </ul>
 * Run: {@code mvn -B -q test-compile exec:java@fault-benchmark -Dfaults=receiver-down,redis-down,garbage,receiver-flaky,sigterm}
 */
public final class FaultBenchmark {

    private FaultBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Set<String> faults = Set.of(System.getProperty("faults", "receiver-down,redis-down,garbage").split(","));
        if (faults.contains("receiver-down")) {
            receiverDown(Integer.getInteger("downSeconds", 120));
        }
        if (faults.contains("redis-down")) {
            redisDown(Integer.getInteger("redisDownSeconds", 30));
        }
        if (faults.contains("garbage")) {
            garbage(1000);
        }
        if (faults.contains("receiver-flaky")) {
            receiverFlaky();
        }
        if (faults.contains("sigterm")) {
            sigterm();
        }
        System.exit(0);
    }

    private static DeviceSimulator.Settings fleet(ScaleBenchmark.Gateway g, int devices, double sessionsPerSecond) {
        return DeviceSimulator.Settings.builder(g.tcpPort, g.httpPort, RunningGateway.API_KEY)
                .devices(devices, 0x05A00000).heartbeat(Duration.ofSeconds(5))
                .sessions(sessionsPerSecond, Duration.ofSeconds(10), Duration.ofSeconds(2))
                .settlementRetry(Duration.ofSeconds(3)).connectPerSecond(1000).build();
    }

    // ---- the webhook receiver down, then back ----------------------------------------------------------------

    private static void receiverDown(int downSeconds) throws Exception {
        int receiverPort = RunningGateway.freePort();
        String url = "http://127.0.0.1:" + receiverPort + "/hook";
        System.out.printf(Locale.ROOT, "%nReceiver down: 300 devices (heartbeat 5 s, 3 sessions/s), receiver refusing "
                + "connections for %d s, then back; retry schedule %s%n", downSeconds,
                System.getProperty("schedule", "of application.properties"));
        List<WebhookReceiver.Request> received = new ArrayList<>();
        WebhookReceiver receiver = new WebhookReceiver(receiverPort);
        // -DwithHeartbeats=true: the endpoint also takes device_heartbeat, latest wins while it is down
        boolean heartbeats = Boolean.getBoolean("withHeartbeats");
        Map<String, String> environment = new java.util.HashMap<>(Map.of("GATEWAY_EVENTS_TRIM_INTERVAL", "24h",
                "NOTIFY_ENDPOINTS", "sink", "NOTIFY_ENDPOINTS_SINK_URL", url, "NOTIFY_ENDPOINTS_SINK_EVENT_TYPES",
                "device_online,device_register,charging_start,charging_end,settlement"
                        + (heartbeats ? ",device_heartbeat" : "")));
        if (System.getProperty("schedule") != null) {
            environment.put("NOTIFY_RETRY_SCHEDULE", System.getProperty("schedule"));
        }
        try (ScaleBenchmark.Gateway g = ScaleBenchmark.Gateway.start(environment, List.of());
             DeviceSimulator simulator = new DeviceSimulator(fleet(g, 300, 3))) {
            simulator.start();
            simulator.driveSessions(Duration.ofSeconds(20));
            received.addAll(receiver.received());
            receiver.close();
            long downAt = System.currentTimeMillis();
            // the outbox while the receiver is down, in thirds of the outage: it must level off, not grow with it
            try (redis.clients.jedis.RedisClient redis = g.redis()) {
                for (int third = 1; third <= 3; third++) {
                    simulator.driveSessions(Duration.ofSeconds(downSeconds / 3));
                    System.out.printf(Locale.ROOT, "receiver down %d s: outbox (notify:*) %,d bytes in Redis%n",
                            (System.currentTimeMillis() - downAt) / 1000,
                            AuditMemoryBenchmark.family(redis, "notify:*", "none").bytes());
                }
            }
            receiver = new WebhookReceiver(receiverPort);
            long upAt = System.currentTimeMillis();
            System.out.printf(Locale.ROOT, "receiver back after %d s%n", (upAt - downAt) / 1000);
            simulator.driveSessions(Duration.ofSeconds(20));
            Set<String> expected = journalIds(g, Set.of("device_online", "device_register", "charging_start",
                    "charging_end", "settlement"));
            WebhookReceiver now = receiver;
            long deadline = System.currentTimeMillis() + Duration.ofMinutes(Long.getLong("catchUpMinutes", 40)).toMillis();
            while (System.currentTimeMillis() < deadline && !accepted(received, now.received()).containsAll(expected)) {
                Thread.sleep(2000);
                expected = journalIds(g, Set.of("device_online", "device_register", "charging_start", "charging_end",
                        "settlement"));
            }
            List<WebhookReceiver.Request> all = new ArrayList<>(received);
            all.addAll(now.received());
            Set<String> delivered = accepted(received, now.received());
            Set<String> lost = new HashSet<>(expected);
            lost.removeAll(delivered);
            long duplicates = all.stream().filter(r -> r.status() == 200).count() - delivered.size();
            // events that waited for the receiver: delivered after it came back, from then on
            Histogram catchUp = new Histogram(3);
            all.stream().filter(r -> r.status() == 200 && r.receivedAtMillis() >= upAt && occurredMillis(r) < upAt)
                    .forEach(r -> catchUp.recordValue(Math.max(1, r.receivedAtMillis() - upAt)));
            System.out.printf(Locale.ROOT, "accepted events for the endpoint %,d, delivered %,d, lost %d, delivered twice %d, "
                            + "failed attempts answered %d%n", expected.size(), delivered.size(), lost.size(), duplicates,
                    all.stream().filter(r -> r.status() != 200).count());
            System.out.printf(Locale.ROOT, "%,d events waited for the receiver; after it came back: p50 %.1f s, p99 %.1f s, "
                            + "max %.1f s%n", catchUp.getTotalCount(), catchUp.getValueAtPercentile(50) / 1000.0,
                    catchUp.getValueAtPercentile(99) / 1000.0, catchUp.getMaxValue() / 1000.0);
            System.out.printf(Locale.ROOT, "business events delivered out of their device's journal order: %d%n",
                    outOfOrder(g.journal(), all));
            if (heartbeats) {
                long journaled = g.journal().stream().filter(e -> e.eventType().equals("device_heartbeat")).count();
                long heartbeatsDelivered = all.stream().filter(r -> r.status() == 200
                        && "device_heartbeat".equals(r.eventType())).count();
                System.out.printf(Locale.ROOT, "heartbeats journaled for the endpoint %,d, delivered %,d (latest wins "
                        + "while it was down)%n", journaled, heartbeatsDelivered);
            }
        } finally {
            receiver.close();
        }
    }

    private static Set<String> accepted(List<WebhookReceiver.Request> before, List<WebhookReceiver.Request> after) {
        Set<String> ids = new HashSet<>();
        before.stream().filter(r -> r.status() == 200).forEach(r -> ids.add(r.eventId()));
        after.stream().filter(r -> r.status() == 200).forEach(r -> ids.add(r.eventId()));
        return ids;
    }

    private static long occurredMillis(WebhookReceiver.Request request) {
        return ((Number) request.json().get("timestamp")).longValue() * 1000;
    }

    /** Business events a receiver got before an earlier one of the same device (first deliveries, journal order). */
    private static long outOfOrder(List<DeviceEvent> journal, List<WebhookReceiver.Request> received) {
        Map<String, Integer> position = new java.util.HashMap<>();
        for (int i = 0; i < journal.size(); i++) {
            position.put(journal.get(i).eventId(), i);
        }
        Map<String, Integer> lastPerDevice = new java.util.HashMap<>();
        Set<String> seen = new HashSet<>();
        long wrong = 0;
        for (WebhookReceiver.Request r : received) {
            if (r.status() != 200 || "device_heartbeat".equals(r.eventType()) || !seen.add(r.eventId())
                    || !position.containsKey(r.eventId())) {
                continue;
            }
            int at = position.get(r.eventId());
            Integer last = lastPerDevice.put((String) r.json().get("device_id"), at);
            if (last != null && last > at) {
                wrong++;
            }
        }
        return wrong;
    }

    /** The IDs of the journal's events of these types, read from the gateway's Redis. */
    private static Set<String> journalIds(ScaleBenchmark.Gateway g, Set<String> types) throws Exception {
        return g.journal().stream().filter(e -> types.contains(e.eventType())).map(DeviceEvent::eventId)
                .collect(Collectors.toSet());
    }

    // ---- Redis stopped under load --------------------------------------------------------------------------

    private static void redisDown(int downSeconds) throws Exception {
        int redisPort = RunningGateway.freePort();
        Path redisDir = Files.createTempDirectory("fault-redis");
        RedisServer redis = ExternalRedis.start(redisPort, redisDir);
        System.out.printf(Locale.ROOT, "%nRedis down: 300 devices (heartbeat 5 s, 3 sessions/s), redis-server stopped "
                + "for %d s, then restarted on its data%n", downSeconds);
        try (ScaleBenchmark.Gateway g = ScaleBenchmark.Gateway.start(Map.of("GATEWAY_EVENTS_TRIM_INTERVAL", "24h", "GATEWAY_REDIS_URL",
                "redis://127.0.0.1:" + redisPort, "GATEWAY_REDIS_TIMEOUT", "500ms"), List.of());
             DeviceSimulator simulator = new DeviceSimulator(fleet(g, 300, 3))) {
            simulator.start();
            simulator.driveSessions(Duration.ofSeconds(20));
            long repliesBefore = simulator.counts().repliesOk.sum();
            long settledBefore = simulator.counts().settlementsAcked.sum();
            redis.stop();
            simulator.driveSessions(Duration.ofSeconds(downSeconds));
            long repliesDuring = simulator.counts().repliesOk.sum() - repliesBefore;
            long settledDuring = simulator.counts().settlementsAcked.sum() - settledBefore;
            long waiting = ((Number) ((Map<?, ?>) Http.get(g.httpPort, "/api/v1/stats?view=gateway", RunningGateway.API_KEY).data().get("events"))
                    .get("waiting_in_memory")).longValue();
            redis = ExternalRedis.start(redisPort, redisDir);
            long upAt = System.nanoTime();
            // recovered: the events kept in memory are written and a settlement is acked again
            long settledAtRestart = simulator.counts().settlementsAcked.sum();
            long recoveredAt = 0;
            while (System.nanoTime() - upAt < Duration.ofSeconds(60).toNanos()) {
                long stillWaiting = ((Number) ((Map<?, ?>) Http.get(g.httpPort, "/api/v1/stats?view=gateway", RunningGateway.API_KEY).data()
                        .get("events")).get("waiting_in_memory")).longValue();
                if (stillWaiting == 0 && simulator.counts().settlementsAcked.sum() > settledAtRestart) {
                    recoveredAt = System.nanoTime();
                    break;
                }
                Thread.sleep(100);
            }
            simulator.driveSessions(Duration.ofSeconds(15));
            long open = waitForSettlements(simulator);
            DeviceSimulator.Counts c = simulator.counts();
            List<DeviceEvent> settlements = g.journal().stream().filter(e -> e.eventType().equals("settlement")).toList();
            Set<String> recorded = settlements.stream().map(e -> (String) e.data().get("order_id")).collect(Collectors.toSet());
            Set<String> lost = new HashSet<>(c.startedOrders);
            lost.removeAll(recorded);
            System.out.printf(Locale.ROOT, "while Redis was down: %,d device replies, %d settlements acked (none should be), "
                    + "%,d events waiting in memory at the end%n", repliesDuring, settledDuring, waiting);
            System.out.printf(Locale.ROOT, "recovered (memory backlog written, a settlement acked) %.1f s after Redis was "
                    + "back%n", recoveredAt == 0 ? Double.NaN : (recoveredAt - upAt) / 1e9);
            System.out.printf(Locale.ROOT, "sessions started by devices %d, settlements in the journal %d (distinct %d), "
                            + "lost %d, duplicated %d, still open at the end %d, wrong replies %d%n", c.startedOrders.size(),
                    settlements.size(), recorded.size(), lost.size(), settlements.size() - recorded.size(), open,
                    c.repliesWrong.sum() + c.unexpected.sum());
        } finally {
            redis.stop();
        }
    }

    private static long waitForSettlements(DeviceSimulator simulator) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (simulator.openSessions() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(500);
        }
        return simulator.openSessions();
    }

    // ---- garbage connections beside healthy devices ----------------------------------------------------------

    private static void garbage(int connections) throws Exception {
        System.out.printf(Locale.ROOT, "%nGarbage: %,d connections sending random bytes (and half frames) for 60 s beside "
                + "300 healthy devices (heartbeat 2 s)%n", connections);
        try (ScaleBenchmark.Gateway g = ScaleBenchmark.Gateway.start(Map.of(), List.of("-Xmx1g"))) {
            long heapBefore = g.heapAfterGc();
            DeviceSimulator.Settings healthy = DeviceSimulator.Settings.builder(g.tcpPort, g.httpPort,
                    RunningGateway.API_KEY).devices(300, 0x05B00000).heartbeat(Duration.ofSeconds(2))
                    .sessions(0, Duration.ofSeconds(10), Duration.ofSeconds(2)).settlementRetry(Duration.ofSeconds(3))
                    .connectPerSecond(1000).build();
            List<Socket> sockets = new ArrayList<>();
            long[] sent = new long[1];
            Thread attacker = new Thread(() -> {
                long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                ThreadLocalRandom random = ThreadLocalRandom.current();
                try {
                    for (int i = 0; i < connections; i++) {
                        sockets.add(new Socket("127.0.0.1", g.tcpPort));
                    }
                    while (System.nanoTime() < end) {
                        for (Socket s : sockets) {
                            if (s.isClosed()) {
                                continue;
                            }
                            byte[] junk = new byte[random.nextInt(3, 300)];
                            random.nextBytes(junk);
                            if (random.nextInt(10) == 0) {
                                // the start of a frame that never ends: "DNY" and a length
                                junk[0] = 'D';
                                junk[1] = 'N';
                                junk[2] = 'Y';
                            }
                            try {
                                OutputStream out = s.getOutputStream();
                                out.write(junk);
                                sent[0] += junk.length;
                            } catch (Exception closedByGateway) {
                                s.close();
                            }
                        }
                        Thread.sleep(200);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, "garbage");
            attacker.start();
            SimulatorRun.Result result = SimulatorRun.run(healthy, Duration.ofSeconds(60), false);
            attacker.join();
            long heapDuring = g.heapAfterGc();
            long closed = sockets.stream().filter(Socket::isClosed).count();
            for (Socket s : sockets) {
                s.close();
            }
            Thread.sleep(3000);
            long heapAfter = g.heapAfterGc();
            Map<?, ?> errors = (Map<?, ?>) Http.get(g.httpPort, "/api/v1/stats?view=gateway", RunningGateway.API_KEY).data().get("protocol_errors");
            System.out.printf(Locale.ROOT, "garbage sent: %,d bytes on %,d connections (%d closed by the gateway); protocol "
                    + "errors counted: %s%n", sent[0], connections, closed, errors);
            System.out.printf(Locale.ROOT, "healthy devices: %,d replies, %d wrong, %d closed, reply p50 %.2f ms, p99 %.2f ms%n",
                    result.repliesOk(), result.wrong(), result.disconnected(), result.p50Micros() / 1000.0,
                    result.p99Micros() / 1000.0);
            System.out.printf(Locale.ROOT, "gateway heap after full GC: %,d MB before, %,d MB with the garbage connections "
                    + "open, %,d MB after they closed%n", heapBefore >> 20, heapDuring >> 20, heapAfter >> 20);
        }
    }

    // ---- a receiver that fails a third of the time and times out a sixth ---------------------------------------

    private static void receiverFlaky() throws Exception {
        Set<String> types = Set.of("device_online", "device_register", "charging_start", "charging_end", "settlement");
        System.out.printf(Locale.ROOT, "%nFlaky receiver: 300 devices for 60 s; the receiver answers 500 to a third of the "
                + "requests and answers another sixth after 3 s (the endpoint's timeout is 2 s); retry schedule "
                + "5s,15s,30s,1m,2m,5m, circuit failure rate %s %%%n", System.getProperty("circuitFailureRate", "50"));
        java.util.concurrent.atomic.AtomicLong slow = new java.util.concurrent.atomic.AtomicLong();
        try (WebhookReceiver receiver = new WebhookReceiver().answer(r -> {
                double roll = ThreadLocalRandom.current().nextDouble();
                if (roll < 1 / 3.0) {
                    return WebhookReceiver.Answer.status(500);
                }
                if (roll < 0.5) {
                    slow.incrementAndGet();
                    return new WebhookReceiver.Answer(200, Map.of(), 3000);
                }
                return WebhookReceiver.Answer.status(200);
            });
             ScaleBenchmark.Gateway g = ScaleBenchmark.Gateway.start(Map.of("GATEWAY_EVENTS_TRIM_INTERVAL", "24h",
                     "NOTIFY_ENDPOINTS", "sink", "NOTIFY_ENDPOINTS_SINK_URL", receiver.url(),
                     "NOTIFY_ENDPOINTS_SINK_EVENT_TYPES", String.join(",", types), "NOTIFY_ENDPOINTS_SINK_TIMEOUT", "2s",
                     "NOTIFY_RETRY_SCHEDULE", "5s,15s,30s,1m,2m,5m",
                     // -DcircuitFailureRate=90 tries a breaker that tolerates a receiver failing half the time
                     "NOTIFY_CIRCUIT_FAILURE_RATE", System.getProperty("circuitFailureRate", "50")), List.of());
             DeviceSimulator simulator = new DeviceSimulator(fleet(g, 300, 3))) {
            simulator.start();
            simulator.driveSessions(Duration.ofSeconds(60));
            Set<String> expected = journalIds(g, types);
            long start = System.currentTimeMillis();
            long deadline = start + Duration.ofMinutes(15).toMillis();
            // every event ends delivered or, after the last round, as a dead letter (kept for replay, not lost)
            Set<String> done = new HashSet<>();
            while (System.currentTimeMillis() < deadline && !done.containsAll(expected)) {
                Thread.sleep(2000);
                done = accepted(List.of(), receiver.received());
                done.addAll(deadLetterIds(g));
            }
            System.out.printf(Locale.ROOT, "settled (delivered or dead-lettered) %.0f s after the load stopped%n",
                    (System.currentTimeMillis() - start) / 1000.0);
            List<WebhookReceiver.Request> all = receiver.received();
            Set<String> delivered = accepted(List.of(), all);
            Set<String> undelivered = new HashSet<>(expected);
            undelivered.removeAll(delivered);
            Set<String> deadLettered = deadLetterIds(g);
            undelivered.removeAll(deadLettered);
            Map<?, ?> sink = (Map<?, ?>) ((List<?>) Http.get(g.httpPort, "/api/v1/notifications/endpoints", RunningGateway.API_KEY).data()
                    .get("endpoints")).get(0);
            long answered200 = all.stream().filter(r -> r.status() == 200).count();
            long deadLetters = deadLettered.size();
            String metrics = Http.text(g.httpPort, "/observe/metrics").body();
            System.out.printf(Locale.ROOT, "events for the endpoint %,d, delivered %,d, dead letters (replayable) %d, not "
                            + "delivered yet %d (outbox: %s, circuit %s)%n", expected.size(), delivered.size(), deadLetters,
                    undelivered.size(), sink.get("queued"), sink.get("circuit"));
            System.out.printf(Locale.ROOT, "requests %,d: 500 answers %,d, held past the timeout %,d, 200 answers %,d of which "
                    + "%,d repeat an event already answered (a timed-out request the receiver had processed)%n", all.size(),
                    all.stream().filter(r -> r.status() == 500).count(), slow.get(), answered200,
                    answered200 - delivered.size());
            System.out.printf(Locale.ROOT, "gateway: %s%n", metrics.lines().filter(l -> l.startsWith(
                    "gateway_notifications_attempts_total") || l.startsWith("gateway_notifications_retried_total"))
                    .collect(Collectors.joining("; ")));
        }
    }

    @SuppressWarnings("unchecked")
    private static Set<String> deadLetterIds(ScaleBenchmark.Gateway g) throws Exception {
        List<Map<String, Object>> letters = (List<Map<String, Object>>) Http.get(g.httpPort,
                "/api/v1/notifications/dead-letters?limit=1000", RunningGateway.API_KEY).data().get("dead_letters");
        return letters.stream().map(l -> (String) l.get("event_id")).collect(Collectors.toSet());
    }

    // ---- SIGTERM under load ------------------------------------------------------------------------------------

    private static void sigterm() throws Exception {
        System.out.printf(Locale.ROOT, "%nSIGTERM under load: 300 devices (heartbeat 5 s, 3 sessions/s, reconnecting), "
                + "the gateway stopped with SIGTERM after 30 s and started again%n");
        try (ScaleBenchmark.Gateway g = ScaleBenchmark.Gateway.start(Map.of("GATEWAY_EVENTS_TRIM_INTERVAL", "24h",
                "GATEWAY_NODE_ID", "sigterm"), List.of());
             DeviceSimulator simulator = new DeviceSimulator(fleet(g, 300, 3)).reconnectAfter(Duration.ofMillis(500))) {
            simulator.start();
            simulator.driveSessions(Duration.ofSeconds(30));
            long stopMillis = g.terminate();
            long restartAt = System.nanoTime();
            g.restart();
            double restartSeconds = (System.nanoTime() - restartAt) / 1e9;
            simulator.driveSessions(Duration.ofSeconds(20));
            long open = waitForSettlements(simulator);
            DeviceSimulator.Counts c = simulator.counts();
            List<DeviceEvent> settlements = g.journal().stream().filter(e -> e.eventType().equals("settlement")).toList();
            Set<String> recorded = settlements.stream().map(e -> (String) e.data().get("order_id"))
                    .collect(Collectors.toSet());
            Set<String> lost = new HashSet<>(c.startedOrders);
            lost.removeAll(recorded);
            System.out.printf(Locale.ROOT, "stopped in %.1f s (gateway.shutdown-timeout 30 s), listening again %.1f s after "
                    + "the restart began%n", stopMillis / 1000.0, restartSeconds);
            System.out.printf(Locale.ROOT, "sessions started by devices %d, settlements in the journal %d (distinct %d), "
                            + "lost %d, duplicated %d, still open %d, reconnects %d, wrong replies %d%n",
                    c.startedOrders.size(), settlements.size(), recorded.size(), lost.size(),
                    settlements.size() - recorded.size(), open, c.reconnects.sum(), c.repliesWrong.sum() + c.unexpected.sum());
        }
    }
}
