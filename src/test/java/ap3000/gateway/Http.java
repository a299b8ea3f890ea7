package ap3000.gateway;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

/** A small JSON-over-HTTP client for tests against the gateway's API. */
public final class Http {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** Camel's /observe server answers an HTTP/2 upgrade request badly, so those calls stay on HTTP/1.1. */
    private static final HttpClient HTTP_1_1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /** Status and body of a page that is not the API's JSON (/observe/metrics, /observe/health, /). */
    public record Text(int status, String body) {
    }

    /** Status and parsed JSON body ({@code code}, {@code message}, {@code data}). */
    public record Answer(int status, Map<String, Object> body) {
        @SuppressWarnings("unchecked")
        public Map<String, Object> data() {
            return (Map<String, Object>) body.get("data");
        }
    }

    private Http() {
    }

    public static Answer get(int port, String path, String apiKey) throws IOException, InterruptedException {
        return withoutBody("GET", port, path, apiKey);
    }

    public static Text text(int port, String path) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP_1_1.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        return new Text(response.statusCode(), response.body());
    }

    public static Answer post(int port, String path, String apiKey, String json)
            throws IOException, InterruptedException {
        return send("POST", port, path, apiKey, json);
    }

    public static Answer put(int port, String path, String apiKey, String json)
            throws IOException, InterruptedException {
        return send("PUT", port, path, apiKey, json);
    }

    public static Answer delete(int port, String path, String apiKey) throws IOException, InterruptedException {
        return withoutBody("DELETE", port, path, apiKey);
    }

    private static Answer withoutBody(String method, int port, String path, String apiKey)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30)).method(method, HttpRequest.BodyPublishers.noBody());
        if (apiKey != null) {
            request.header("X-API-Key", apiKey);
        }
        return answer(CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString()));
    }

    /** A call whose checked exceptions a test turns into a failure, for running it on another thread. */
    public interface Call {
        Answer run() throws Exception;
    }

    public static Answer unchecked(Call call) {
        try {
            return call.run();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Answer send(String method, int port, String path, String apiKey, String json)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(json));
        if (apiKey != null) {
            request.header("X-API-Key", apiKey);
        }
        return answer(CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString()));
    }

    private static Answer answer(HttpResponse<String> response) throws IOException {
        return new Answer(response.statusCode(), JSON.readValue(response.body(), new TypeReference<>() {
        }));
    }
}
