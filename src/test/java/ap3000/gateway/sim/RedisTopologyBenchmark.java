package ap3000.gateway.sim;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.LongAdder;

import ap3000.gateway.RunningGateway;
import ap3000.gateway.device.DeviceSocket;
import ap3000.gateway.device.TestFrames;
import ap3000.gateway.notify.WebhookReceiver;
import ap3000.gateway.redis.RedisClusterSet;
import redis.clients.jedis.Jedis;
import redis.embedded.RedisServer;

/**
 * One Redis against a three-master Redis Cluster, in one run, under three gateway processes: device-path frames/s
 * (a closed loop of 0x21 heartbeats, each waiting for its reply) and webhooks/s delivered, with an endpoint that takes
 * every heartbeat (conflation off), so that every frame is journaled, fanned out, queued and delivered: the Redis
 * work the journal shards spread over the masters. The one Redis runs the journal as one stream
 * ({@code gateway.events.shards=1}), the cluster as three ({@code =3}, one per master, each master with a replica and
 * settlements acked after {@code WAIT}, as deployed). Neither persists to disk, so that the comparison is the topology.
 * Printed per topology: frames/s and webhooks/s delivered in the measured window, the window's heartbeats delivered
 * only after it ("late": the delivery fell behind the devices) and when the last of them arrived, and the CPU of the
 * Redis servers (their own INFO, replicas included) and of the gateway processes, in % of one core.
 * <p>
 * Run: {@code mvn -B -q test-compile exec:java@topology-benchmark} ({@code -Dconnections=48}, {@code -DwarmupSeconds=20},
 * {@code -Dseconds=30})
 */
public final class RedisTopologyBenchmark {

    private static final String PASSWORD = "topology-benchmark-redis-password";
    private static final int NODES = 3;
    private static final int CONNECTIONS = Integer.getInteger("connections", 48);
    private static final int WARMUP_SECONDS = Integer.getInteger("warmupSeconds", 20);
    private static final int SECONDS = Integer.getInteger("seconds", 30);

    private RedisTopologyBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        System.out.printf(Locale.ROOT, "Redis topology benchmark, %d cores: %d gateway processes, %d device connections "
                        + "in a closed loop of heartbeats (next on the reply), every heartbeat a webhook; %d s warm-up, "
                        + "%d s measured%n", Runtime.getRuntime().availableProcessors(), NODES, CONNECTIONS,
                WARMUP_SECONDS, SECONDS);
        System.out.printf(Locale.ROOT, "%-38s %12s %12s %14s %12s %14s %22s%n", "topology", "frames/s", "webhooks/s",
                "webhooks late", "drained in", "redis CPU", "gateways CPU");
        oneRedis();
        cluster();
    }

    private static void oneRedis() throws Exception {
        Path dir = Files.createTempDirectory("topology-one-redis");
        int port = RunningGateway.freePort();
        RedisServer redis = RedisServer.newRedisServer().port(port).bind("127.0.0.1").setting("dir " + dir)
                .setting("appendonly no").setting("save \"\"").setting("requirepass " + PASSWORD).build();
        redis.start();
        try {
            run("one Redis, journal in 1 stream", Map.of("GATEWAY_REDIS_URL",
                    "redis://:" + PASSWORD + "@127.0.0.1:" + port), List.of(port));
        } finally {
            redis.stop();
        }
    }

    private static void cluster() throws Exception {
        try (RedisClusterSet cluster = RedisClusterSet.start(PASSWORD)) {
            List<Integer> ports = new ArrayList<>();
            for (int p : cluster.allPorts()) {
                ports.add(p);
            }
            run("3-master cluster (+3 replicas), 3 shards", Map.of("GATEWAY_REDIS_CLUSTER_NODES", cluster.seedNodes(),
                    "GATEWAY_REDIS_PASSWORD", PASSWORD, "GATEWAY_EVENTS_SHARDS", "3"), ports);
        }
    }

    private static void run(String name, Map<String, String> redisEnvironment, List<Integer> redisPorts)
            throws Exception {
        List<ScaleBenchmark.Gateway> gateways = new ArrayList<>();
        try (WebhookReceiver receiver = new WebhookReceiver()) {
            for (int n = 0; n < NODES; n++) {
                Map<String, String> environment = new HashMap<>(redisEnvironment);
                environment.putAll(Map.of("GATEWAY_NODE_ID", "node-" + (n + 1),
                        "GATEWAY_CLUSTER_SECRET", "topology-benchmark-cluster-secret-of-32-chars",
                        "NOTIFY_ENDPOINTS", "sink", "NOTIFY_ENDPOINTS_SINK_URL", receiver.url(),
                        "NOTIFY_ENDPOINTS_SINK_EVENT_TYPES", "device_heartbeat",
                        "NOTIFY_ENDPOINTS_SINK_CONFLATE_HEARTBEATS", "false"));
                gateways.add(ScaleBenchmark.Gateway.start(environment, List.of("-Xmx1g")));
            }
            LongAdder frames = new LongAdder();
            long start = System.currentTimeMillis();
            long measureFrom = start + WARMUP_SECONDS * 1000L;
            long measureTo = measureFrom + SECONDS * 1000L;
            ExecutorService pool = Executors.newFixedThreadPool(CONNECTIONS);
            List<Future<?>> devices = new ArrayList<>();
            for (int c = 0; c < CONNECTIONS; c++) {
                ScaleBenchmark.Gateway gateway = gateways.get(c % NODES);
                int physicalId = 0x04800000 + c;
                devices.add(pool.submit(() -> {
                    try (DeviceSocket socket = new DeviceSocket(gateway.tcpPort)) {
                        socket.send(TestFrames.iccid());
                        int msg = 0;
                        long now;
                        while ((now = System.currentTimeMillis()) < measureTo) {
                            socket.send(TestFrames.heartbeat(physicalId, ++msg & 0xFFFF, 0, 0));
                            socket.readFrame();
                            if (now >= measureFrom) {
                                frames.increment();
                            }
                        }
                    }
                    return null;
                }));
            }
            Thread.sleep(Math.max(0, measureFrom - System.currentTimeMillis()));
            double redisCpuBefore = redisCpuSeconds(redisPorts);
            long[] gatewayTicksBefore = new long[NODES];
            for (int n = 0; n < NODES; n++) {
                gatewayTicksBefore[n] = gateways.get(n).cpuTicks();
            }
            for (Future<?> device : devices) {
                device.get();
            }
            pool.shutdown();
            double redisCpu = (redisCpuSeconds(redisPorts) - redisCpuBefore) / SECONDS * 100;
            double gatewaysCpu = 0;
            for (int n = 0; n < NODES; n++) {
                gatewaysCpu += (gateways.get(n).cpuTicks() - gatewayTicksBefore[n]) / 100.0 / SECONDS * 100;
            }
            long inWindow = receiver.accepted().stream()
                    .filter(r -> r.receivedAtMillis() >= measureFrom && r.receivedAtMillis() < measureTo).count();
            // what the window's heartbeats still owed at its end, and how long the gateways took to deliver it
            long drainedAt = drain(receiver);
            long late = receiver.accepted().stream().filter(r -> r.receivedAtMillis() >= measureTo
                    && occurredMillis(r) < measureTo).count();
            System.out.printf(Locale.ROOT, "%-38s %,12.0f %,12.0f %,14d %10.1f s %13.0f%% %21.0f%%%n", name,
                    frames.sum() / (double) SECONDS, inWindow / (double) SECONDS,
                    late, Math.max(0, drainedAt - measureTo) / 1000.0, redisCpu, gatewaysCpu);
        } finally {
            for (ScaleBenchmark.Gateway g : gateways) {
                g.close();
            }
        }
    }

    private static long occurredMillis(WebhookReceiver.Request request) {
        return ((Number) request.json().get("timestamp")).longValue() * 1000;
    }

    /** Waits until the receiver got nothing new for 3 s (at most 120 s); returns when the last webhook came. */
    private static long drain(WebhookReceiver receiver) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 120_000;
        int seen = -1;
        long quietSince = System.currentTimeMillis();
        while (System.currentTimeMillis() < deadline) {
            int now = receiver.received().size();
            if (now != seen) {
                seen = now;
                quietSince = System.currentTimeMillis();
            } else if (System.currentTimeMillis() - quietSince > 3000) {
                break;
            }
            Thread.sleep(200);
        }
        return receiver.received().stream().mapToLong(WebhookReceiver.Request::receivedAtMillis).max().orElse(0);
    }

    /** CPU seconds (user + system) the Redis servers on these ports used so far, from their own INFO. */
    private static double redisCpuSeconds(List<Integer> ports) {
        double seconds = 0;
        for (int port : ports) {
            try (Jedis jedis = new Jedis("127.0.0.1", port)) {
                jedis.auth(PASSWORD);
                for (String line : jedis.info("cpu").split("\r?\n")) {
                    if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:")) {
                        seconds += Double.parseDouble(line.substring(line.indexOf(':') + 1));
                    }
                }
            }
        }
        return seconds;
    }
}
