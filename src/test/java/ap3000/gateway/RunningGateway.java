package ap3000.gateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;
import org.awaitility.Awaitility;

import ap3000.gateway.event.DeviceEvent;
import ap3000.gateway.event.EventJournal;
import ap3000.gateway.event.EventJson;
import ap3000.gateway.redis.RedisConnection;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;
import redis.clients.jedis.resps.StreamEntry;

/**
 * The real gateway (same Main, application.properties and YAML routes as production) on free ports with its
 * own data directory, for end-to-end tests. Only what a test names is overridden.
 */
public final class RunningGateway implements AutoCloseable {

    /** The API key of every test gateway that names none (the API has no open default). */
    public static final String API_KEY = "test-api-key";

    private final Main main;
    private final Thread thread;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final int tcpPort;
    private final int httpPort;
    private final Path dataDir;

    private RunningGateway(Map<String, String> overrides) throws Exception {
        int[] ports = freePorts(2);
        tcpPort = ports[0];
        httpPort = ports[1];
        dataDir = overrides.containsKey("gateway.data-dir") ? Path.of(overrides.get("gateway.data-dir"))
                : Files.createTempDirectory("gateway-test");
        Map<String, String> properties = new HashMap<>();
        properties.put("gateway.tcp.port", Integer.toString(tcpPort));
        properties.put("gateway.http.port", Integer.toString(httpPort));
        properties.put("gateway.data-dir", dataDir.toString());
        properties.put("gateway.tcp.host", "127.0.0.1");
        properties.put("camel.server.host", "127.0.0.1");
        // tests read the journal as a log of everything accepted; trimming has its own test
        properties.put("gateway.events.trim-interval", "1h");
        if (!overrides.containsKey("gateway.api.keys") && !overrides.containsKey("gateway.api.open")) {
            properties.put("gateway.api.keys", API_KEY);
        }
        // every test device connects from 127.0.0.1, like a whole fleet behind one NAT address
        properties.put("gateway.tcp.max-connections-per-address", "0");
        properties.putAll(overrides);
        main = GatewayApplication.newMain();
        properties.forEach(main::addOverrideProperty);
        thread = new Thread(() -> {
            try {
                main.run();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            } finally {
                stopped.countDown();
            }
        }, "gateway-under-test");
        thread.start();
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> stopped.getCount() == 0
                || (main.getCamelContext() != null && main.getCamelContext().isStarted()));
        if (stopped.getCount() == 0) {
            throw new IllegalStateException("gateway did not start");
        }
    }

    public static RunningGateway start() throws Exception {
        return new RunningGateway(Map.of());
    }

    public static RunningGateway start(Map<String, String> overrides) throws Exception {
        return new RunningGateway(overrides);
    }

    public int tcpPort() {
        return tcpPort;
    }

    public int httpPort() {
        return httpPort;
    }

    public Path dataDir() {
        return dataDir;
    }

    public CamelContext context() {
        return main.getCamelContext();
    }

    public <T> T bean(String name, Class<T> type) {
        return context().getRegistry().lookupByNameAndType(name, type);
    }

    /** Every event accepted so far, in journal order (over its shards: by entry ID, which is by time). */
    public List<DeviceEvent> journal() {
        EventJournal journal = bean("eventJournal", EventJournal.class);
        List<StreamEntry> entries = new ArrayList<>();
        for (String stream : journal.shards().streams()) {
            entries.addAll(bean("redis", RedisConnection.class).client()
                    .xrange(stream, (redis.clients.jedis.StreamEntryID) null, null));
        }
        entries.sort(java.util.Comparator.comparing(StreamEntry::getID));
        return entries.stream().map(e -> EventJson.read(e.getFields().get("event"))).toList();
    }

    /** Every key of the gateway's Redis matching a pattern ({@code audit:*}), by SCAN. */
    public Set<String> keys(String pattern) {
        UnifiedJedis redis = bean("redis", RedisConnection.class).client();
        Set<String> keys = new HashSet<>();
        String cursor = ScanParams.SCAN_POINTER_START;
        do {
            ScanResult<String> page = redis.scan(cursor, new ScanParams().match(pattern).count(1000));
            keys.addAll(page.getResult());
            cursor = page.getCursor();
        } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        return keys;
    }

    public List<DeviceEvent> journal(String deviceId) {
        return journal().stream().filter(e -> e.deviceId().equals(deviceId)).toList();
    }

    @Override
    public void close() throws InterruptedException {
        main.completed();
        if (!stopped.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("gateway did not stop");
        }
    }

    public static int freePort() {
        return freePorts(1)[0];
    }

    /** Distinct free ports: every socket stays open until all are chosen, so no port is handed out twice. */
    public static int[] freePorts(int count) {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket(0);
                sockets.add(socket);
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (ServerSocket socket : sockets) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closing a listening socket that was never used
                }
            }
        }
    }
}
