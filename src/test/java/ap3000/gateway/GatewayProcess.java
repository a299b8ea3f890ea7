package ap3000.gateway;

import java.io.File;
import java.net.Socket;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The gateway in a process of its own, configured entirely through the environment as an operator would, in its
 * own process group (so that a signal reaches it as systemd or Ctrl-C sends it). Its output goes to gateway.log in
 * the data directory.
 */
public final class GatewayProcess {

    private GatewayProcess() {
    }

    public static Process start(Path dataDir, int tcpPort, Map<String, String> environment) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("setsid", javaBin(), "-cp", System.getProperty("java.class.path"),
                GatewayApplication.class.getName())
                .redirectErrorStream(true)
                .redirectOutput(dataDir.resolve("gateway.log").toFile());
        Map<String, String> env = new HashMap<>(Map.of(
                "GATEWAY_TCP_PORT", Integer.toString(tcpPort),
                "GATEWAY_TCP_HOST", "127.0.0.1",
                "GATEWAY_HTTP_PORT", Integer.toString(RunningGateway.freePort()),
                "GATEWAY_DATA_DIR", dataDir.toString(),
                "GATEWAY_EVENTS_TRIM_INTERVAL", "1h"));
        env.putAll(environment);
        builder.environment().putAll(env);
        return builder.start();
    }

    /** SIGTERM to the process group. */
    public static void terminate(Process process) throws Exception {
        new ProcessBuilder("kill", "-TERM", "--", "-" + process.pid()).start().waitFor();
    }

    public static boolean accepts(int port) {
        try (Socket ignored = new Socket("127.0.0.1", port)) {
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private static String javaBin() {
        return System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    }
}
