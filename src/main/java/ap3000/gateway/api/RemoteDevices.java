package ap3000.gateway.api;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ap3000.gateway.device.DeviceOwnership;
import ap3000.gateway.device.Downlink;
import ap3000.gateway.protocol.DeviceIds;
import ap3000.gateway.redis.RedisConnection;
import redis.clients.jedis.JedisPubSub;

/**
 * Device API calls for a device whose connection is on another gateway node. The API route's first step after
 * authentication asks {@link #forwardIfElsewhere}: when the device is connected to another node (device
 * ownership in Redis), the request goes to that node over Redis pub/sub, which runs it through the very same
 * route and publishes the answer back; the caller gets that answer as if it had been local.
 */
public class RemoteDevices extends ServiceSupport {

    /** Marks a request that already crossed nodes: it is never forwarded again. */
    public static final String FORWARDED = "ap3000Forwarded";
    private static final Logger LOG = LoggerFactory.getLogger(RemoteDevices.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> FORWARDED_HEADERS = List.of("deviceId", "block", "async", "page", "limit",
            ApiSupport.API_KEY_HEADER);

    private final RedisConnection redis;
    private final DeviceOwnership ownership;
    private final Downlink downlink;
    private final ProducerTemplate template;
    private final Duration answerWithin;
    private final Map<String, CompletableFuture<Map<String, Object>>> waiting = new ConcurrentHashMap<>();
    private final JedisPubSub subscriber = new JedisPubSub() {
        @Override
        public void onMessage(String channel, String message) {
            if (channel.equals(requests())) {
                executor.submit(() -> serve(message));
            } else {
                answered(message);
            }
        }
    };
    private ExecutorService executor;
    private Thread listener;

    public RemoteDevices(RedisConnection redis, DeviceOwnership ownership, Downlink downlink,
                         ProducerTemplate template, Duration answerWithin) {
        this.redis = redis;
        this.ownership = ownership;
        this.downlink = downlink;
        this.template = template;
        this.answerWithin = answerWithin;
    }

    /**
     * Answers from the node holding the device and stops the route, when that is another node; otherwise
     * leaves the exchange alone (local device, or no node has it: the next step answers 404).
     *
     * @param route the route's own endpoint ({@code direct:charging-start}), which the other node runs
     */
    public void forwardIfElsewhere(Exchange exchange, String route) throws Exception {
        if (exchange.getMessage().getHeader(FORWARDED) != null) {
            return;
        }
        Optional<Integer> device = deviceOf(exchange);
        if (device.isEmpty() || downlink.isConnected(device.get())) {
            return;
        }
        Optional<String> owner = ownership.ownerOf(device.get());
        if (owner.isEmpty() || owner.get().equals(ownership.node())) {
            return;
        }
        Map<String, Object> answer = forward(owner.get(), route, exchange);
        exchange.getMessage().removeHeaders("*");
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, answer.get("status"));
        exchange.getMessage().setBody(JSON.convertValue(answer.get("body"), ApiResponse.class));
        exchange.setRouteStop(true);
    }

    private Map<String, Object> forward(String owner, String route, Exchange exchange) throws Exception {
        String id = UUID.randomUUID().toString();
        Map<String, Object> headers = new HashMap<>();
        for (String name : FORWARDED_HEADERS) {
            Object value = exchange.getMessage().getHeader(name);
            if (value != null) {
                headers.put(name, value.toString());
            }
        }
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("id", id);
        request.put("reply_to", replies());
        request.put("route", route);
        request.put("headers", headers);
        request.put("body", exchange.getMessage().getBody());
        CompletableFuture<Map<String, Object>> answer = new CompletableFuture<>();
        waiting.put(id, answer);
        try {
            long receivers = redis.client().publish(requests(owner), JSON.writeValueAsString(request));
            if (receivers == 0) {
                throw ApiException.notFound("device " + DeviceIds.format(deviceOf(exchange).orElseThrow())
                        + " is not connected (its node " + owner + " does not answer)");
            }
            LOG.debug("Forwarded {} for {} to node {}", request.get("route"), headers.get("deviceId"), owner);
            return answer.get(answerWithin.toMillis() + 5_000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new ApiException(504, "node " + owner + " holding the device did not answer");
        } finally {
            waiting.remove(id);
        }
    }

    /** Runs a forwarded request through the same route here and publishes the answer. */
    private void serve(String message) {
        try {
            Map<String, Object> request = JSON.readValue(message, new TypeReference<>() {
            });
            @SuppressWarnings("unchecked")
            Map<String, Object> headers = new HashMap<>((Map<String, Object>) request.get("headers"));
            headers.put(FORWARDED, ownership.node());
            Exchange result = template.request((String) request.get("route"), e -> {
                e.getMessage().setHeaders(headers);
                e.getMessage().setBody(request.get("body"));
            });
            if (result.getException() != null) {
                throw result.getException();
            }
            Object status = result.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE);
            Map<String, Object> reply = new LinkedHashMap<>();
            reply.put("id", request.get("id"));
            reply.put("status", status == null ? 200 : Integer.parseInt(status.toString()));
            reply.put("body", result.getMessage().getBody());
            redis.client().publish((String) request.get("reply_to"), JSON.writeValueAsString(reply));
        } catch (Exception e) {
            LOG.error("Could not serve a request forwarded by another node: {}", message, e);
        }
    }

    private void answered(String message) {
        try {
            Map<String, Object> reply = JSON.readValue(message, new TypeReference<>() {
            });
            CompletableFuture<Map<String, Object>> answer = waiting.get((String) reply.get("id"));
            if (answer != null) {
                answer.complete(reply);
            }
        } catch (Exception e) {
            LOG.warn("Unreadable answer from another node: {}", message);
        }
    }

    @SuppressWarnings("unchecked")
    private static Optional<Integer> deviceOf(Exchange exchange) {
        Object id = exchange.getMessage().getHeader("deviceId");
        Object body = exchange.getMessage().getBody();
        if (id == null && body instanceof Map<?, ?> map) {
            id = ((Map<String, Object>) map).get("deviceId");
        }
        return id == null ? Optional.empty() : DeviceIds.parse(id.toString());
    }

    private String requests() {
        return requests(ownership.node());
    }

    private static String requests(String node) {
        return "gateway:node:" + node + ":requests";
    }

    private String replies() {
        return "gateway:node:" + ownership.node() + ":replies";
    }

    @Override
    protected void doStart() {
        executor = Executors.newFixedThreadPool(8, r -> new Thread(r, "ap3000-forwarded"));
        listener = new Thread(() -> {
            while (isRunAllowed()) {
                try {
                    redis.client().subscribe(subscriber, requests(), replies());
                } catch (RuntimeException e) {
                    if (isRunAllowed()) {
                        LOG.warn("Lost the subscription for forwarded requests ({}); subscribing again", e.getMessage());
                        sleepQuietly();
                    }
                }
            }
        }, "ap3000-node-subscriber");
        listener.setDaemon(true);
        listener.start();
    }

    @Override
    protected void doStop() {
        if (subscriber.isSubscribed()) {
            subscriber.unsubscribe();
        }
        executor.shutdownNow();
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
