package ap3000.gateway;

import java.io.File;
import java.net.Socket;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The gateway in a process of its own, configured entirely through the environment as an operator would, in its
 * own process group (so that a signal reaches it as systemd or Ctrl-C sends it). Its output is appended to gateway.log
 * in the data directory.
 */
public final class GatewayProcess {

    private GatewayProcess() {
    }

    public static Process start(Path dataDir, int tcpPort, Map<String, String> environment) throws Exception {
        return start(dataDir, tcpPort, environment, List.of());
    }

    /** The same with JVM options ({@code -Xmx2g}). */
    public static Process start(Path dataDir, int tcpPort, Map<String, String> environment, List<String> jvmOptions)
            throws Exception {
        List<String> command = new ArrayList<>(List.of("setsid", javaBin()));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", classPath(), GatewayApplication.class.getName()));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir.resolve("gateway.log").toFile()));
        Map<String, String> env = new HashMap<>(Map.of(
                "GATEWAY_TCP_PORT", Integer.toString(tcpPort),
                "GATEWAY_TCP_HOST", "127.0.0.1",
                "GATEWAY_HTTP_PORT", Integer.toString(RunningGateway.freePort()),
                "GATEWAY_DATA_DIR", dataDir.toString(),
                "GATEWAY_EVENTS_TRIM_INTERVAL", "1h",
                "GATEWAY_API_KEYS", RunningGateway.API_KEY,
                // every test device connects from 127.0.0.1, like a whole fleet behind one NAT address
                "GATEWAY_TCP_MAX_CONNECTIONS_PER_ADDRESS", "0"));
        env.putAll(environment);
        builder.environment().putAll(env);
        return builder.start();
    }

    /** SIGTERM to the process group. */
    public static void terminate(Process process) throws Exception {
        new ProcessBuilder("kill", "-TERM", "--", "-" + process.pid()).start().waitFor();
    }

    /**
     * How long a gateway process may take to listen: seconds on a quiet machine, over a minute on two cores shared
     * with the rest of the suite and a benchmark.
     */
    public static final java.time.Duration START_WAIT = java.time.Duration.ofSeconds(150);

    /** Waits up to a minute for the gateway to listen on its device port. */
    public static void awaitListening(int port, Process gateway) throws InterruptedException {
        long deadline = System.nanoTime() + START_WAIT.toNanos();
        while (!accepts(port)) {
            if (System.nanoTime() > deadline || !gateway.isAlive()) {
                throw new IllegalStateException("gateway did not listen on " + port);
            }
            Thread.sleep(100);
        }
    }

    public static boolean accepts(int port) {
        try (Socket ignored = new Socket("127.0.0.1", port)) {
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    /** The test class path; under exec:java it is the context class loader's, not java.class.path. */
    public static String classPath() {
        if (Thread.currentThread().getContextClassLoader() instanceof URLClassLoader loader) {
            StringBuilder path = new StringBuilder();
            for (URL url : loader.getURLs()) {
                try {
                    path.append(path.isEmpty() ? "" : File.pathSeparator).append(Path.of(url.toURI()));
                } catch (URISyntaxException e) {
                    throw new IllegalStateException(e);
                }
            }
            return path.toString();
        }
        return System.getProperty("java.class.path");
    }

    /** utime + stime of a process in clock ticks (100 per second on Linux), from /proc. */
    public static long cpuTicks(long pid) throws java.io.IOException {
        String stat = java.nio.file.Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    public static String javaBin() {
        return System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    }
}
