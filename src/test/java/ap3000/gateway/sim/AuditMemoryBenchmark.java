package ap3000.gateway.sim;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import ap3000.gateway.RunningGateway;
import ap3000.gateway.ops.Metrics;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * What the audit trail costs at fleet scale (docs/benchmarks.md, "Audit at fleet scale"): a simulated fleet runs
 * against the gateway in a process of its own with its embedded Redis, first with the audit on, then off. In a
 * steady window after a warm-up it measures, per key family, the Redis bytes added and the records they hold, the
 * gateway's CPU per frame and its heap after a full GC, then projects the memory of a fleet at a stated daily
 * profile with full retention. Run:
 * {@code mvn -B -q test-compile exec:java@audit-memory-benchmark [-Ddevices=2000 -DwarmupSeconds=40 -Dseconds=180]}
 */
public final class AuditMemoryBenchmark {

    /**
     * The daily profile of one device in the projection: a heartbeat every 20 s (IoT-Zinx's documents), four charging
     * sessions of two hours, each with a 0x06 power sample every 5 minutes (the protocol reference's interval).
     */
    private static final double HEARTBEATS_PER_DAY = 86_400 / 20.0;
    private static final int SESSIONS_PER_DAY = 4;
    private static final int SAMPLES_PER_SESSION = 24;
    /** The run's sessions have the profile's number of samples, at a faster pace: 24 samples in 2 minutes. */
    private static final Duration SESSION_IN_RUN = Duration.ofSeconds(120);
    private static final Duration SAMPLE_EVERY_IN_RUN = Duration.ofSeconds(5);

    private AuditMemoryBenchmark() {
    }

    /** Keys of one family: how many, their bytes (MEMORY USAGE), and the records they hold. */
    record Family(long keys, long bytes, long records) {
        Family minus(Family before) {
            return new Family(keys - before.keys, bytes - before.bytes, records - before.records);
        }
    }

    record Snapshot(long usedMemory, Map<String, Family> families, double framesWritten, double framesSeen,
                    long cpuTicks, long nanos) {
    }

    public static void main(String[] args) throws Exception {
        int devices = Integer.getInteger("devices", 2000);
        Duration warmup = Duration.ofSeconds(Integer.getInteger("warmupSeconds", 40));
        Duration window = Duration.ofSeconds(Integer.getInteger("seconds", 180));
        System.out.printf(Locale.ROOT, "Audit at fleet scale: %,d devices, heartbeat every 20 s, one charging session a"
                + " second (%d s, a 0x06 sample every %d s); %d s warm-up, %d s measured%n", devices,
                SESSION_IN_RUN.toSeconds(), SAMPLE_EVERY_IN_RUN.toSeconds(), warmup.toSeconds(), window.toSeconds());
        Map<String, String> table = new LinkedHashMap<>();
        // -Doff=false: the audit-on run alone (the memory figures), without the on/off comparison of CPU and heap
        Result on = run(devices, warmup, window, true);
        Result off = Boolean.parseBoolean(System.getProperty("off", "true")) ? run(devices, warmup, window, false) : null;
        report(on, off, table);
        System.out.println();
        System.out.println("| measure | value |");
        System.out.println("|---|---|");
        table.forEach((k, v) -> System.out.printf("| %s | %s |%n", k, v));
        System.exit(0);
    }

    record Result(Snapshot before, Snapshot after, Family framesCompacted, long heapAfterGc, long sessions) {
        Family family(String name) {
            return after.families.get(name).minus(before.families.get(name));
        }

        double frames() {
            return after.framesSeen - before.framesSeen;
        }

        double cpuMicrosPerFrame() {
            return (after.cpuTicks - before.cpuTicks) * 10_000.0 / Math.max(1, frames());
        }
    }

    private static Result run(int devices, Duration warmup, Duration window, boolean audit) throws Exception {
        System.out.printf(Locale.ROOT, "%n--- audit %s ---%n", audit ? "on" : "off");
        try (ScaleBenchmark.Gateway g = ScaleBenchmark.Gateway.start(Map.of("AUDIT_ENABLED", Boolean.toString(audit)),
                List.of())) {
            DeviceSimulator.Settings settings = DeviceSimulator.Settings.builder(g.tcpPort, g.httpPort,
                    RunningGateway.API_KEY).devices(devices, 0x05300000).heartbeat(Duration.ofSeconds(20))
                    .sessions(1.0, SESSION_IN_RUN, SAMPLE_EVERY_IN_RUN).settlementRetry(Duration.ofSeconds(30))
                    .build();
            try (DeviceSimulator simulator = new DeviceSimulator(settings); RedisClient redis = g.redis()) {
                simulator.start();
                simulator.driveSessions(warmup);
                Snapshot before = snapshot(g, redis);
                long sessionsBefore = simulator.counts().sessionsStarted.sum();
                simulator.driveSessions(window);
                // the heartbeat summaries flush every 5 s, the frames every second
                Thread.sleep(6_000);
                Snapshot after = snapshot(g, redis);
                long sessions = simulator.counts().sessionsStarted.sum() - sessionsBefore;
                // what every hour key becomes once its hour is over (FrameLog rewrites it at its size): done here
                // to all of them, after the snapshot, as the run is shorter than an hour
                Family framesCompacted = compactFrames(redis);
                long heap = g.heapAfterGc();
                System.out.printf(Locale.ROOT, "frames in and out %,.0f, sessions started %,d, Redis used_memory %,d ->"
                                + " %,d bytes, gateway CPU %.1f us per frame, heap after GC %,d bytes%n",
                        after.framesSeen - before.framesSeen, sessions, before.usedMemory, after.usedMemory,
                        (after.cpuTicks - before.cpuTicks) * 10_000.0 / Math.max(1, after.framesSeen - before.framesSeen),
                        heap);
                after.families.forEach((name, f) -> {
                    Family d = f.minus(before.families.get(name));
                    System.out.printf(Locale.ROOT, "  %-22s keys %,8d (+%,d)  bytes %,12d (+%,d)  records %,9d (+%,d)%n",
                            name, f.keys, d.keys, f.bytes, d.bytes, f.records, d.records);
                });
                System.out.printf(Locale.ROOT, "  frames, every hour key compacted: bytes %,d%n", framesCompacted.bytes);
                return new Result(before, after, framesCompacted, heap, sessions);
            }
        }
    }

    private static Snapshot snapshot(ScaleBenchmark.Gateway g, RedisClient redis) throws Exception {
        Map<String, Family> families = new LinkedHashMap<>();
        families.put("frames", family(redis, "audit:frames:*", "strlen"));
        families.put("heartbeat summaries", family(redis, "audit:heartbeats:*", "hlen"));
        families.put("key events", family(redis, "audit:events:*", "zcard"));
        families.put("session samples", family(redis, "audit:session:*:samples", "zcard"));
        families.put("sessions", family(redis, "audit:session:*", "sessions"));
        families.put("device indexes", family(redis, "audit:device:*", "none"));
        families.put("counts", family(redis, "audit:counts:*", "none"));
        families.put("journal", family(redis, "gateway:{events}", "xlen"));
        families.put("gateway, other", family(redis, "gateway:*", "none"));
        Metrics m = Metrics.scrape(g.httpPort);
        String info = redis.info("memory");
        long used = info.lines().filter(l -> l.startsWith("used_memory:")).mapToLong(l -> Long.parseLong(l.substring(12)
                .trim())).findFirst().orElse(0);
        double seen = m.sum("gateway_frames_total");
        return new Snapshot(used, families, m.value("gateway_audit_frames_written_total"), seen, g.cpuTicks(),
                System.nanoTime());
    }

    /** Rewrites every frame log key at its size, as FrameLog does when an hour is over, and measures them again. */
    private static Family compactFrames(RedisClient redis) {
        String cursor = ScanParams.SCAN_POINTER_START;
        do {
            ScanResult<String> page = redis.scan(cursor, new ScanParams().match("audit:frames:*").count(1000));
            for (String key : page.getResult()) {
                redis.eval("local v = redis.call('GET', KEYS[1]) if v then redis.call('SET', KEYS[1], v, 'KEEPTTL') "
                        + "end return 0", 1, key);
            }
            cursor = page.getCursor();
        } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        return family(redis, "audit:frames:*", "strlen");
    }

    /** MEMORY USAGE of every key matching, and what they hold (bytes of a string, fields, members, entries). */
    static Family family(RedisClient redis, String pattern, String records) {
        long keys = 0;
        long bytes = 0;
        long held = 0;
        String cursor = ScanParams.SCAN_POINTER_START;
        do {
            ScanResult<String> page = redis.scan(cursor, new ScanParams().match(pattern).count(1000));
            for (String key : page.getResult()) {
                if (records.equals("sessions") && key.endsWith(":samples")) {
                    continue;
                }
                keys++;
                Long usage = redis.memoryUsage(key, 0);
                bytes += usage == null ? 0 : usage;
                held += switch (records) {
                    case "strlen" -> redis.strlen(key);
                    case "hlen" -> redis.hlen(key);
                    case "zcard" -> redis.zcard(key);
                    case "xlen" -> redis.xlen(key);
                    case "sessions" -> 1;
                    default -> 0;
                };
            }
            cursor = page.getCursor();
        } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        return new Family(keys, bytes, held);
    }

    private static void report(Result on, Result off, Map<String, String> table) {
        double frames = on.after.framesWritten - on.before.framesWritten;
        Family frameKeys = on.family("frames");
        Family events = on.family("key events");
        Family samples = on.family("session samples");
        Family sessions = on.family("sessions");
        Family summaries = on.after.families.get("heartbeat summaries");
        double bytesPerFrame = frameKeys.bytes / Math.max(1, frames);
        // all frames the keys hold (warm-up included), compacted: the 23 finished hours of a day's 24
        double bytesPerFrameCompacted = on.framesCompacted.bytes / Math.max(1, on.after.framesWritten);
        double bytesPerKeyEvent = events.bytes / (double) Math.max(1, events.records);
        double bytesPerSample = samples.bytes / (double) Math.max(1, samples.records);
        double bytesPerSession = sessions.bytes / (double) Math.max(1, on.sessions);
        double bytesPerSummaryHour = summaries.bytes / (double) Math.max(1, summaries.records);
        double growthPerFrame = (on.after.usedMemory - on.before.usedMemory) / Math.max(1, on.frames());

        // the stated profile, per device and day
        double sessionFrames = SESSIONS_PER_DAY * (SAMPLES_PER_SESSION + 8) * 2.0;
        double framesPerDay = HEARTBEATS_PER_DAY * 2 + sessionFrames;
        double keyEventsPerSession = events.records / (double) Math.max(1, on.sessions);
        double samplesInRun = samples.records / (double) Math.max(1, on.sessions);
        // a session of the profile has SAMPLES_PER_SESSION samples; the run's had samplesInRun: scale its per-sample part
        // (one key event per sample: charging_power is not filed beside its power_heartbeat)
        double eventsPerSample = 1;
        double keyEventsPerDay = SESSIONS_PER_DAY * (keyEventsPerSession + (SAMPLES_PER_SESSION - samplesInRun)
                * eventsPerSample);
        double framesDay = framesPerDay * (bytesPerFrameCompacted * 23 + bytesPerFrame) / 24;
        double summariesWeek = 24 * bytesPerSummaryHour * 7;
        double eventsWeek = keyEventsPerDay * bytesPerKeyEvent * 7;
        double sessionsMonth = SESSIONS_PER_DAY * 30 * (bytesPerSession + SAMPLES_PER_SESSION * bytesPerSample);
        double perDevice = framesDay + summariesWeek + eventsWeek + sessionsMonth;

        table.put("Redis growth per audited frame, steady window (all keys, used_memory)",
                String.format(Locale.ROOT, "%.0f bytes", growthPerFrame));
        table.put("frame log, bytes per frame (MEMORY USAGE / frames written): the hour being appended to / finished"
                + " hours (compacted)", String.format(Locale.ROOT, "%.1f / %.1f", bytesPerFrame, bytesPerFrameCompacted));
        // a short run fills one or two hours of each device-day key: its key overhead counts per hour, an overstatement
        table.put("heartbeat summary, bytes per device-hour (key overhead included)", String.format(Locale.ROOT, "%.0f",
                bytesPerSummaryHour));
        table.put("key events per session in the run / bytes per key event", String.format(Locale.ROOT,
                "%.1f / %.0f", keyEventsPerSession, bytesPerKeyEvent));
        table.put("session record / bytes per power sample", String.format(Locale.ROOT, "%.0f / %.0f",
                bytesPerSession, bytesPerSample));
        table.put(String.format(Locale.ROOT, "per device (profile: 20 s heartbeat, %d sessions a day of %d 0x06 samples):"
                        + " frames 24 h + summaries 168 h + key events 168 h + sessions 720 h", SESSIONS_PER_DAY,
                SAMPLES_PER_SESSION), String.format(Locale.ROOT, "%,.0f + %,.0f + %,.0f + %,.0f = %,.0f bytes",
                framesDay, summariesWeek, eventsWeek, sessionsMonth, perDevice));
        table.put("bytes per device-day (frames day + 1/7 of a week of summaries and events + 1/30 of sessions)",
                String.format(Locale.ROOT, "%,.0f", framesDay + summariesWeek / 7 + eventsWeek / 7 + sessionsMonth / 30));
        table.put("10,000 devices, full retention", String.format(Locale.ROOT, "%.2f GB", perDevice * 10_000 / 1e9));
        if (off == null) {
            return;
        }
        table.put("gateway CPU per frame, audit on / off", String.format(Locale.ROOT, "%.1f / %.1f us (%+.1f %%)",
                on.cpuMicrosPerFrame(), off.cpuMicrosPerFrame(),
                (on.cpuMicrosPerFrame() / off.cpuMicrosPerFrame() - 1) * 100));
        table.put("gateway heap after full GC, audit on / off", String.format(Locale.ROOT, "%,d / %,d bytes (%+.1f %%)",
                on.heapAfterGc, off.heapAfterGc, (on.heapAfterGc / (double) off.heapAfterGc - 1) * 100));
    }
}
