package ap3000.gateway.notify;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A real HTTP server that receives webhooks on a free port, records every request, and answers as the test says
 * (status, headers, a delay). The default answer is 200. Every webhook is checked against its event type's JSON
 * Schema ({@link EventSchemas}): {@link #close()} fails the test that received one breaking the contract.
 */
public final class WebhookReceiver implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    static {
        // the JDK server writes a response's headers and body separately: without this, Nagle's algorithm and the
        // client's delayed ACK add 40 ms to every request
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    /** One received request (body also parsed, {@code uri} its path and query) and the status it was answered. */
    public record Request(long receivedAtMillis, Map<String, List<String>> headers, String body,
                          Map<String, Object> json, int status, String uri) {

        public String eventId() {
            return (String) json().get("event_id");
        }

        public String eventType() {
            return (String) json().get("event_type");
        }

        public String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }
    }

    /** What to answer. */
    public record Answer(int status, Map<String, String> headers, long delayMillis) {
        public static Answer status(int status) {
            return new Answer(status, Map.of(), 0);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(32);
    private final List<Request> received = Collections.synchronizedList(new ArrayList<>());
    private final List<String> violations = Collections.synchronizedList(new ArrayList<>());
    private volatile Function<Request, Answer> answers = request -> Answer.status(200);

    public WebhookReceiver() throws IOException {
        this(0);
    }

    public WebhookReceiver(int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 256);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + port() + "/hook";
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** How the next requests are answered (every request is recorded, whatever the answer). */
    public WebhookReceiver answer(Function<Request, Answer> answers) {
        this.answers = answers;
        return this;
    }

    public List<Request> received() {
        synchronized (received) {
            return new ArrayList<>(received);
        }
    }

    /** Requests answered 2xx. */
    public List<Request> accepted() {
        return received().stream().filter(r -> r.status() >= 200 && r.status() < 300).toList();
    }

    /** Where received webhooks broke their event type's schema. */
    public List<String> violations() {
        synchronized (violations) {
            return new ArrayList<>(violations);
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        String body;
        try (InputStream in = exchange.getRequestBody()) {
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Map<String, Object> json = JSON.readValue(body, new TypeReference<>() { });
        Request request = new Request(System.currentTimeMillis(), Map.copyOf(exchange.getRequestHeaders()), body,
                json, 0, exchange.getRequestURI().toString());

        Answer answer = answers.apply(request);
        received.add(new Request(request.receivedAtMillis(), request.headers(), body, json, answer.status(),
                request.uri()));
        if (answer.delayMillis() > 0) {
            try {
                Thread.sleep(answer.delayMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        answer.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
        byte[] reply = ("{\"code\":" + answer.status() + "}").getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(answer.status(), reply.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(reply);
        } catch (IOException e) {
            // the gateway gave up waiting (timeout test): nothing to answer to
        }
        // after answering, so that checking the contract does not change the timing the tests measure
        for (String violation : EventSchemas.violations(request.eventType(), body)) {
            violations.add(request.eventType() + " " + violation + " in " + body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        List<String> broken = violations();
        if (!broken.isEmpty()) {
            throw new AssertionError(broken.size() + " webhooks break the contract's JSON Schemas:\n"
                    + String.join("\n", broken.subList(0, Math.min(20, broken.size()))));
        }
    }
}
