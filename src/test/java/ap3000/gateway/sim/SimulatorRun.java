package ap3000.gateway.sim;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Histogram;

import com.fasterxml.jackson.databind.ObjectMapper;

import ap3000.gateway.GatewayProcess;

/**
 * Runs the {@link DeviceSimulator} for a bounded time, printing a status line every 5 s and a summary at the end;
 * with {@code -Dsim.processes=N} it runs N simulator processes (each under the per-process file limit) with a share
 * of the devices each, and adds their summaries up.
 *
 * <p>{@code mvn -B -q test-compile exec:java@simulator -Dsim.devices=1000 -Dsim.seconds=60 -Dsim.tcpPort=7054}
 */
public final class SimulatorRun {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RESULT = "SIMULATOR-RESULT ";

    /** What a run did; latencies in microseconds. */
    public record Result(long devices, long connected, long registered, long connectFailures, long disconnected,
                         long framesSent, long repliesOk, long repliesWrong, long unexpected, long commandsAcked,
                         long sessionsRequested, long apiErrors, long sessionsStarted, long settlementsSent,
                         long settlementsAcked, long settlementRetransmits, long p50Micros, long p99Micros,
                         long maxMicros, double seconds, List<String> problems) {

        public long wrong() {
            return repliesWrong + unexpected + connectFailures;
        }

        public Map<String, Object> table() {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("devices", devices);
            t.put("registered", registered);
            t.put("frames sent", framesSent);
            t.put("frames/s", Math.round(framesSent / seconds));
            t.put("replies ok", repliesOk);
            t.put("wrong replies", repliesWrong);
            t.put("replies to nothing", unexpected);
            t.put("connect failures", connectFailures);
            t.put("closed by the gateway", disconnected);
            t.put("reply p50 / p99 / max (ms)", String.format(Locale.ROOT, "%.2f / %.2f / %.1f", p50Micros / 1000.0,
                    p99Micros / 1000.0, maxMicros / 1000.0));
            t.put("commands acked", commandsAcked);
            t.put("sessions requested / API errors", sessionsRequested + " / " + apiErrors);
            t.put("sessions started / settled", sessionsStarted + " / " + settlementsAcked);
            t.put("settlements sent / retransmitted", settlementsSent + " / " + settlementRetransmits);
            return t;
        }
    }

    private SimulatorRun() {
    }

    public static void main(String[] args) throws Exception {
        DeviceSimulator.Settings settings = DeviceSimulator.Settings.fromSystemProperties();
        Duration duration = Duration.ofSeconds(Integer.getInteger("sim.seconds", 60));
        int processes = Integer.getInteger("sim.processes", 1);
        Result result = processes > 1 ? inProcesses(settings, duration, processes) : run(settings, duration, true);
        if (Boolean.getBoolean("sim.child")) {
            System.out.println(RESULT + JSON.writeValueAsString(result));
        } else {
            print(result);
        }
        System.exit(result.wrong() == 0 ? 0 : 1);
    }

    /** Runs one fleet in this process; the connections stay open until the time is up. */
    public static Result run(DeviceSimulator.Settings settings, Duration duration, boolean report) throws Exception {
        Histogram total = new Histogram(3);
        long start = System.nanoTime();
        // reply latency is summed from this many seconds on (0: all), to leave the connect burst out
        long measureFrom = start + TimeUnit.SECONDS.toNanos(Integer.getInteger("sim.measureAfterSeconds", 0));
        try (DeviceSimulator simulator = new DeviceSimulator(settings)) {
            Thread sessions = new Thread(() -> {
                try {
                    simulator.driveSessions(duration);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "sim-sessions");
            simulator.start();
            sessions.start();
            long end = start + duration.toNanos();
            long lastFrames = 0;
            while (System.nanoTime() < end) {
                Thread.sleep(Math.min(5000, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
                Histogram interval = simulator.intervalLatency();
                if (System.nanoTime() >= measureFrom) {
                    total.add(interval);
                }
                DeviceSimulator.Counts c = simulator.counts();
                long frames = c.framesSent.sum();
                if (report) {
                    System.out.printf(Locale.ROOT, "%5.0f s  connections %,d  registered %,d  frames/s %,d  reply p50 %.2f ms"
                                    + " p99 %.2f ms  wrong %d  sessions %d/%d%n", (System.nanoTime() - start) / 1e9,
                            c.connected.sum() - c.disconnected.sum(), c.registered.sum(), (frames - lastFrames) / 5,
                            interval.getValueAtPercentile(50) / 1000.0, interval.getValueAtPercentile(99) / 1000.0,
                            c.repliesWrong.sum() + c.unexpected.sum(), c.sessionsStarted.sum(), c.settlementsAcked.sum());
                }
                lastFrames = frames;
            }
            sessions.join();
            total.add(simulator.intervalLatency());
            DeviceSimulator.Counts c = simulator.counts();
            return new Result(settings.devices(), c.connected.sum(), c.registered.sum(), c.connectFailures.sum(),
                    c.disconnected.sum(), c.framesSent.sum(), c.repliesOk.sum(), c.repliesWrong.sum(),
                    c.unexpected.sum(), c.commandsAcked.sum(), c.sessionsRequested.sum(), c.apiErrors.sum(),
                    c.sessionsStarted.sum(), c.settlementsSent.sum(), c.settlementsAcked.sum(),
                    c.settlementRetransmits.sum(), total.getValueAtPercentile(50), total.getValueAtPercentile(99),
                    total.getMaxValue(), (System.nanoTime() - start) / 1e9, c.firstProblems());
        }
    }

    /**
     * Splits the fleet over {@code processes} simulator JVMs (each under the file limit), started with the same
     * settings and their own physical IDs and source addresses; the summary adds them up (latency: the worst
     * process's percentiles).
     */
    public static Result inProcesses(DeviceSimulator.Settings settings, Duration duration, int processes)
            throws Exception {
        List<Process> children = new ArrayList<>();
        List<Path> outputs = new ArrayList<>();
        int share = (settings.devices() + processes - 1) / processes;
        for (int i = 0; i < processes; i++) {
            int count = Math.min(share, settings.devices() - i * share);
            Path out = Files.createTempFile("simulator-" + i + "-", ".log");
            outputs.add(out);
            List<String> command = new ArrayList<>(List.of(GatewayProcess.javaBin(), "-Xmx1g", "-cp",
                    GatewayProcess.classPath()));
            // each process its own devices (physical IDs) with the same behaviour
            command.addAll(settings.withDevices(count, settings.firstPhysicalId() + i * share).asSystemProperties());
            command.addAll(List.of("-Dsim.child=true", "-Dsim.seconds=" + duration.toSeconds(),
                    "-Dsim.measureAfterSeconds=" + Integer.getInteger("sim.measureAfterSeconds", 0),
                    SimulatorRun.class.getName()));
            children.add(new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start());
        }
        List<Result> results = new ArrayList<>();
        for (int i = 0; i < processes; i++) {
            children.get(i).waitFor();
            String line = Files.readAllLines(outputs.get(i)).stream().filter(l -> l.startsWith(RESULT)).findFirst()
                    .orElseThrow(() -> new IllegalStateException("simulator process gave no result; see " + outputs));
            results.add(JSON.readValue(line.substring(RESULT.length()), Result.class));
        }
        return sum(results);
    }

    static Result sum(List<Result> results) {
        List<String> problems = new ArrayList<>();
        results.forEach(r -> problems.addAll(r.problems()));
        return new Result(results.stream().mapToLong(Result::devices).sum(),
                results.stream().mapToLong(Result::connected).sum(), results.stream().mapToLong(Result::registered).sum(),
                results.stream().mapToLong(Result::connectFailures).sum(),
                results.stream().mapToLong(Result::disconnected).sum(), results.stream().mapToLong(Result::framesSent).sum(),
                results.stream().mapToLong(Result::repliesOk).sum(), results.stream().mapToLong(Result::repliesWrong).sum(),
                results.stream().mapToLong(Result::unexpected).sum(), results.stream().mapToLong(Result::commandsAcked).sum(),
                results.stream().mapToLong(Result::sessionsRequested).sum(),
                results.stream().mapToLong(Result::apiErrors).sum(),
                results.stream().mapToLong(Result::sessionsStarted).sum(),
                results.stream().mapToLong(Result::settlementsSent).sum(),
                results.stream().mapToLong(Result::settlementsAcked).sum(),
                results.stream().mapToLong(Result::settlementRetransmits).sum(),
                results.stream().mapToLong(Result::p50Micros).max().orElse(0),
                results.stream().mapToLong(Result::p99Micros).max().orElse(0),
                results.stream().mapToLong(Result::maxMicros).max().orElse(0),
                results.stream().mapToDouble(Result::seconds).max().orElse(0), problems.stream().limit(10).toList());
    }

    static void print(Result result) {
        result.table().forEach((k, v) -> System.out.printf(Locale.ROOT, "%-34s %s%n", k, v));
        result.problems().forEach(p -> System.out.println("problem: " + p));
    }
}
