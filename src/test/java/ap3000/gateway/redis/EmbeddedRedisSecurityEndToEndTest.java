package ap3000.gateway.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import ap3000.gateway.GatewayProcess;
import ap3000.gateway.Http;
import ap3000.gateway.RunningGateway;
import ap3000.gateway.device.DeviceSocket;
import ap3000.gateway.device.TestFrames;
import ap3000.gateway.protocol.DnyFrame;
import ap3000.gateway.protocol.ServerCommands;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.commands.ProtocolCommand;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.embedded.RedisServer;
import redis.embedded.core.ExecutableProvider;

/**
 * The embedded redis-server against another user of the same host: no access without the password kept in the
 * data directory, no admin commands with it, nothing readable by others, and the password never shown.
 */
class EmbeddedRedisSecurityEndToEndTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void should_refuse_every_command_without_the_password() throws Exception {
        try (RunningGateway gateway = RunningGateway.start();
             Jedis anonymous = new Jedis(new HostAndPort("127.0.0.1", port(gateway.dataDir())))) {
            assertThatThrownBy(anonymous::ping).hasMessageStartingWith("NOAUTH");
            assertThatThrownBy(() -> anonymous.set("k", "v")).hasMessageStartingWith("NOAUTH");
            assertThatThrownBy(() -> anonymous.get("gateway:{events}")).hasMessageStartingWith("NOAUTH");
            // CONFIG is refused too: renamed away, it is unknown before the password is even asked for
            assertThatThrownBy(() -> anonymous.sendCommand(command("CONFIG"), "GET", "dir"))
                    .isInstanceOf(JedisDataException.class);
        }
    }

    @Test
    void should_answer_data_commands_and_no_admin_command_with_the_password() throws Exception {
        try (RunningGateway gateway = RunningGateway.start();
             Jedis jedis = authenticated(gateway.dataDir())) {
            assertThat(jedis.set("security:probe", "v")).isEqualTo("OK");
            assertThat(jedis.get("security:probe")).isEqualTo("v");
            assertThat(jedis.info("memory")).contains("used_memory:");
            // with HELP, each would answer harmlessly if it were there
            for (String name : EmbeddedRedis.DISABLED_COMMANDS) {
                assertThatThrownBy(() -> jedis.sendCommand(command(name), "HELP"))
                        .as(name).hasMessageStartingWith("ERR unknown command");
            }
        }
    }

    @Test
    void should_keep_the_data_directory_and_its_secrets_to_the_owner() throws Exception {
        try (RunningGateway gateway = RunningGateway.start();
             Jedis jedis = authenticated(gateway.dataDir())) {
            jedis.set("security:probe", "v"); // the append-only file now exists
            Path redis = gateway.dataDir().resolve("redis");
            assertThat(permissions(gateway.dataDir())).isEqualTo("rwx------");
            assertThat(permissions(redis)).isEqualTo("rwx------");
            assertThat(permissions(redis.resolve("redis.password"))).isEqualTo("rw-------");
            assertThat(permissions(redis.resolve("redis.conf"))).isEqualTo("rw-------");
            assertThat(permissions(redis.resolve("appendonly.aof"))).isEqualTo("rw-------"); // umask 077
            assertThat(Files.readString(redis.resolve("redis.password")).trim()).matches("[A-Za-z0-9_-]{43}");
        }
    }

    @Test
    void should_reuse_password_and_data_after_a_restart_and_never_log_or_show_the_password() throws Exception {
        Path dataDir = Files.createTempDirectory("redis-restart");
        int tcpPort = RunningGateway.freePort();
        int httpPort = RunningGateway.freePort();
        Process first = GatewayProcess.start(dataDir, tcpPort, Map.of("GATEWAY_HTTP_PORT", Integer.toString(httpPort)));
        String password;
        try {
            GatewayProcess.awaitListening(tcpPort, first);
            password = password(dataDir);
            try (Jedis jedis = authenticated(dataDir)) {
                jedis.set("security:before-restart", "kept");
            }
            Http.Text health = Http.text(httpPort, "/observe/health?exposureLevel=full&data=true");
            // the JSON writes redis:\/\/:***@...
            assertThat(health.body()).contains(":***@127.0.0.1:" + port(dataDir)).doesNotContain(password);
        } finally {
            stop(first);
        }
        assertThat(Files.readString(dataDir.resolve("gateway.log")))
                .contains("Embedded redis-server listening").doesNotContain(password);

        try (RunningGateway second = RunningGateway.start(Map.of("gateway.data-dir", dataDir.toString()))) {
            assertThat(password(dataDir)).isEqualTo(password);
            assertThat(second.bean("redis", RedisConnection.class).client().get("security:before-restart"))
                    .isEqualTo("kept");
        }
    }

    @Test
    void should_take_over_the_data_directory_and_running_server_of_a_gateway_without_a_password() throws Exception {
        Path dataDir = Files.createTempDirectory("redis-upgrade");
        Path redisDir = Files.createDirectories(dataDir.resolve("redis"));
        Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(redisDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        // what a gateway of the previous version killed with -9 left running: its redis.conf (no password, readable
        // by all) and the redis-server started with it, still running, with its pid file
        int orphanPort = RunningGateway.freePort();
        Path config = redisDir.resolve("redis.conf");
        Files.write(config, List.of("port " + orphanPort, "bind 127.0.0.1", "dir \"" + redisDir + "\"",
                "appendonly yes", "appendfsync always", "pidfile \"" + redisDir.resolve("redis.pid") + "\"",
                "save \"\"", "daemonize no"));
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));
        Process orphan = new ProcessBuilder(ExecutableProvider.newJarResourceProvider().get().getAbsolutePath(),
                config.toString()).redirectErrorStream(true).redirectOutput(redisDir.resolve("old.log").toFile())
                .start();
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(redisDir.resolve("redis.pid"))
                    && GatewayProcess.accepts(orphanPort));
            try (Jedis jedis = new Jedis(new HostAndPort("127.0.0.1", orphanPort))) {
                jedis.set("security:from-the-orphan", "kept");
            }
            Files.writeString(redisDir.resolve("redis.port"), Integer.toString(orphanPort));

            try (RunningGateway gateway = RunningGateway.start(Map.of("gateway.data-dir", dataDir.toString()))) {
                assertThat(GatewayProcess.accepts(orphanPort)).isFalse();
                assertThat(gateway.bean("redis", RedisConnection.class).client().get("security:from-the-orphan"))
                        .isEqualTo("kept");
                assertThat(permissions(dataDir)).isEqualTo("rwx------");
                assertThat(permissions(redisDir)).isEqualTo("rwx------");
                assertThat(permissions(redisDir.resolve("redis.conf"))).isEqualTo("rw-------");
                assertThat(Files.readString(redisDir.resolve("redis.conf"))).contains("requirepass ");
            }
            assertThat(orphan.isAlive()).isFalse();
        } finally {
            orphan.destroyForcibly().waitFor();
        }
    }

    @Test
    void should_fail_to_start_and_tell_nothing_when_another_program_holds_the_embedded_port() throws Exception {
        Path dataDir = Files.createTempDirectory("redis-impostor");
        try (ServerSocket impostor = new ServerSocket(0, 50,
                InetAddress.getByName("127.0.0.1"))) {
            AtomicInteger connections = new AtomicInteger();
            Thread accepting = new Thread(() -> {
                while (!impostor.isClosed()) {
                    try (Socket ignored = impostor.accept()) {
                        connections.incrementAndGet();
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
            accepting.start();
            assertThatThrownBy(() -> RunningGateway.start(Map.of("gateway.data-dir", dataDir.toString(),
                    "gateway.redis.embedded-port", Integer.toString(impostor.getLocalPort()))))
                    .hasStackTraceContaining("did not start");
            assertThat(connections.get()).as("connections the gateway made to the impostor").isZero();
        }
    }

    @Test
    void should_use_an_external_redis_with_a_password_and_never_log_or_show_it() throws Exception {
        String password = "external-s3cret-4711";
        int redisPort = RunningGateway.freePort();
        RedisServer redis = RedisServer.newRedisServer().port(redisPort).bind("127.0.0.1")
                .setting("dir " + Files.createTempDirectory("redis-external")).setting("appendonly yes")
                .setting("requirepass " + password).build();
        redis.start();
        Path dataDir = Files.createTempDirectory("redis-external-gateway");
        int tcpPort = RunningGateway.freePort();
        int httpPort = RunningGateway.freePort();
        Process gateway = GatewayProcess.start(dataDir, tcpPort, Map.of(
                "GATEWAY_REDIS_URL", "redis://:" + password + "@127.0.0.1:" + redisPort,
                "GATEWAY_HTTP_PORT", Integer.toString(httpPort)));
        try {
            GatewayProcess.awaitListening(tcpPort, gateway);
            int device = 0x04400031;
            try (DeviceSocket socket = new DeviceSocket(tcpPort)) {
                DnyFrame register = TestFrames.register(device, 1);
                socket.send(register);
                assertThat(socket.readFrameHex()).isEqualTo(ServerCommands.ok(register).toHex());
            }
            try (Jedis jedis = new Jedis(new HostAndPort("127.0.0.1", redisPort),
                    DefaultJedisClientConfig.builder().password(password).build())) {
                await().atMost(WAIT).until(() -> jedis.xlen("gateway:{events}") > 0);
            }
            Http.Text health = Http.text(httpPort, "/observe/health?exposureLevel=full&data=true");
            assertThat(health.body()).contains(":***@127.0.0.1:" + redisPort).doesNotContain(password);
            assertThat(Http.text(httpPort, "/observe/health/ready").status()).isEqualTo(200);
        } finally {
            stop(gateway);
            redis.stop();
        }
        assertThat(Files.readString(dataDir.resolve("gateway.log"))).contains("Redis at 127.0.0.1:" + redisPort)
                .doesNotContain(password);
    }

    @Test
    void should_show_a_redis_url_without_its_password() {
        assertThat(RedisConnection.redact(URI.create("redis://127.0.0.1:6379"))).isEqualTo("redis://127.0.0.1:6379");
        assertThat(RedisConnection.redact(URI.create("redis://:pw@10.0.0.5:6380/2")))
                .isEqualTo("redis://:***@10.0.0.5:6380/2");
        assertThat(RedisConnection.redact(URI.create("rediss://gateway:p%40ss@redis.example:6380")))
                .isEqualTo("rediss://gateway:***@redis.example:6380");
        assertThat(RedisConnection.redact(URI.create("redis://pw@[::1]:6379"))).isEqualTo("redis://***@[::1]:6379");
    }

    /** SIGTERM, so that even a failed test leaves no orphaned redis-server behind. */
    private static void stop(Process gateway) throws Exception {
        GatewayProcess.terminate(gateway);
        if (!gateway.waitFor(60, TimeUnit.SECONDS)) {
            gateway.destroyForcibly();
        }
    }

    private static ProtocolCommand command(String name) {
        return () -> name.getBytes(StandardCharsets.US_ASCII);
    }

    private static Jedis authenticated(Path dataDir) throws Exception {
        return new Jedis(new HostAndPort("127.0.0.1", port(dataDir)),
                DefaultJedisClientConfig.builder().password(password(dataDir)).build());
    }

    private static int port(Path dataDir) throws Exception {
        return Integer.parseInt(Files.readString(dataDir.resolve("redis/redis.port")).trim());
    }

    private static String password(Path dataDir) throws Exception {
        return Files.readString(dataDir.resolve("redis/redis.password")).trim();
    }

    private static String permissions(Path path) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }
}
