package ap3000.gateway.api;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.ThreadPoolProfileBuilder;
import org.apache.camel.support.service.ServiceSupport;
import org.apache.camel.util.concurrent.ThreadPoolRejectedPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ap3000.gateway.api.NodeMessages.Reply;
import ap3000.gateway.api.NodeMessages.Request;
import ap3000.gateway.api.NodeRequestRefusals.Reason;
import ap3000.gateway.device.DeviceOwnership;
import ap3000.gateway.device.Downlink;
import ap3000.gateway.event.EventJson;
import ap3000.gateway.protocol.DeviceIds;
import ap3000.gateway.redis.RedisConnection;
import redis.clients.jedis.JedisPubSub;

/**
 * Device API calls for a device whose connection is on another gateway node. The API route's first step after
 * authentication asks {@link #forwardIfElsewhere}: when the device is connected to another node (device
 * ownership in Redis), the request goes to that node over Redis pub/sub as a signed {@link NodeMessages} request
 * naming a {@link NodeOperation}; that node runs its own route of that name and publishes a signed answer back; the
 * caller gets that answer as if it had been local. Anything else on the channels is refused and counted.
 */
public class RemoteDevices extends ServiceSupport {

    /** Exchange property marking a request that already crossed nodes: it is never forwarded again. */
    public static final String FORWARDED = "ap3000Forwarded";
    private static final Logger LOG = LoggerFactory.getLogger(RemoteDevices.class);
    private static final ObjectMapper JSON = EventJson.mapper();
    private static final int SERVING_THREADS = 8;
    private static final int SERVING_QUEUE = 64;

    private record Waiting(String node, CompletableFuture<Reply> answer) {
    }

    private final CamelContext context;
    private final RedisConnection redis;
    private final DeviceOwnership ownership;
    private final Downlink downlink;
    private final Duration answerWithin;
    private final NodeMessages messages;
    private final NodeRequestRefusals refusals;
    private final Map<UUID, Waiting> waiting = new ConcurrentHashMap<>();
    private final JedisPubSub subscriber = new JedisPubSub() {
        @Override
        public void onMessage(String channel, String message) {
            if (channel.equals(requests(ownership.node()))) {
                // refused here, before it takes a place in the queue: anyone who can publish to Redis can send it
                if (message.length() > NodeMessages.MAX_LENGTH) {
                    refusals.record(Reason.TOO_LARGE, null, message.length());
                    return;
                }
                try {
                    executor.execute(() -> serve(message));
                } catch (RejectedExecutionException full) {
                    refusals.record(Reason.OVERLOADED, null, message.length());
                }
            } else {
                answered(message);
            }
        }
    };
    private ProducerTemplate template;
    private ExecutorService executor;
    private ExecutorService listener;

    /**
     * The caller's API key does not travel: the sending node's HTTP server checked it ({@link ApiGuard}), and the
     * signature shows the request comes from a node of the cluster.
     */
    public RemoteDevices(CamelContext context, RedisConnection redis, DeviceOwnership ownership, Downlink downlink,
                         Duration answerWithin, NodeMessageSigner signer, NodeRequestRefusals refusals, Clock clock) {
        this.context = context;
        this.redis = redis;
        this.ownership = ownership;
        this.downlink = downlink;
        this.answerWithin = answerWithin;
        this.messages = new NodeMessages(signer, ownership.node(), clock);
        this.refusals = refusals;
    }

    /**
     * Answers from the node holding the device and stops the route, when that is another node; otherwise
     * leaves the exchange alone (local device, or no node has it: the next step answers 404).
     *
     * @param operation the route's {@link NodeOperation} name ({@code charging-start}), which the other node runs
     */
    public void forwardIfElsewhere(Exchange exchange) throws Exception {
        if (exchange.getProperty(FORWARDED) != null) {
            return;
        }
        // the operation is the route's own: api-charging-start forwards charging-start
        String routeId = exchange.getUnitOfWork().getRoute().getRouteId();
        NodeOperation op = NodeOperation.named(routeId.replaceFirst("^api-", ""))
                .orElseThrow(() -> new IllegalArgumentException("not a node operation: route " + routeId));
        Optional<Integer> device = deviceOf(exchange);
        if (device.isEmpty() || downlink.isConnected(device.get())) {
            return;
        }
        Optional<String> owner = ownership.ownerOf(device.get());
        if (owner.isEmpty() || owner.get().equals(ownership.node())) {
            return;
        }
        Reply answer = forward(owner.get(), op, exchange);
        exchange.getMessage().removeHeaders("*");
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, answer.status());
        exchange.getMessage().setBody(JSON.convertValue(answer.body(), ApiResponse.class));
        exchange.setRouteStop(true);
    }

    private Reply forward(String owner, NodeOperation operation, Exchange exchange) throws Exception {
        Map<String, String> headers = new HashMap<>();
        for (String name : NodeMessages.HEADERS) {
            Object value = exchange.getMessage().getHeader(name);
            if (value != null) {
                headers.put(name, value.toString());
            }
        }
        Request request = Request.of(ownership.node(), owner, operation, headers, exchange.getMessage().getBody(),
                messages.now());
        String signed = messages.seal(request);
        if (signed.length() > NodeMessages.MAX_LENGTH) {
            throw new ApiException(413, "request too large to forward to the node holding the device");
        }
        CompletableFuture<Reply> answer = new CompletableFuture<>();
        waiting.put(request.id(), new Waiting(owner, answer));
        try {
            long receivers = redis.publish(requests(owner), signed);
            if (receivers == 0) {
                throw ApiException.notFound("device " + DeviceIds.format(deviceOf(exchange).orElseThrow())
                        + " is not connected (its node " + owner + " does not answer)");
            }
            LOG.debug("Forwarded {} for {} to node {}", operation.operationName(), headers.get("deviceId"), owner);
            return answer.get(answerWithin.toMillis() + 5_000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new ApiException(504, "node " + owner + " holding the device did not answer (nodes sharing a Redis"
                    + " need the same cluster secret)");
        } finally {
            waiting.remove(request.id());
        }
    }

    /** Runs a forwarded request through this node's route of its operation and publishes the signed answer. */
    private void serve(String message) {
        Request request;
        try {
            request = messages.openRequest(message);
        } catch (NodeMessages.Refused e) {
            refusals.record(e.reason(), e.operation(), message.length());
            return;
        }
        Reply reply;
        try {
            Exchange result = template.request(NodeOperation.named(request.op()).orElseThrow().route(), e -> {
                e.setProperty(FORWARDED, request.from());
                if (request.headers() != null) {
                    e.getMessage().getHeaders().putAll(request.headers());
                }
                e.getMessage().setBody(request.body());
            });
            if (result.getException() != null) {
                throw result.getException();
            }
            Object status = result.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE);
            reply = Reply.answering(request, status == null ? 200 : Integer.parseInt(status.toString()),
                    result.getMessage().getBody(), messages.now());
        } catch (Exception e) {
            LOG.error("Could not serve {} forwarded by node {}", request.op(), request.from(), e);
            reply = Reply.answering(request, 500, ApiResponse.error(500, "internal error on node " + ownership.node()),
                    messages.now());
        }
        try {
            // the answer goes to the channel of the node that signed the request, never to one the message names
            redis.publish(replies(request.from()), messages.seal(reply));
        } catch (Exception e) {
            LOG.warn("Could not answer {} forwarded by node {}: {}", request.op(), request.from(), e.getMessage());
        }
    }

    private void answered(String message) {
        Optional<Reply> reply = messages.openReply(message);
        Waiting caller = reply.map(r -> waiting.get(r.id())).orElse(null);
        if (caller == null) {
            // a late answer (the caller gave up) is as useless as a forged one; only a forged one counts
            if (reply.isEmpty()) {
                refusals.record(Reason.BAD_REPLY, null, message.length());
            }
            return;
        }
        if (!caller.node().equals(reply.get().from())) {
            refusals.record(Reason.BAD_REPLY, null, message.length());
            return;
        }
        caller.answer().complete(reply.get());
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

    private static String requests(String node) {
        return "gateway:node:" + node + ":requests";
    }

    private static String replies(String node) {
        return "gateway:node:" + node + ":replies";
    }

    @Override
    protected void doStart() {
        template = context.createProducerTemplate();
        // a short queue, and what does not fit is refused and counted: a flood on the channel must neither grow the
        // heap nor run requests on the subscriber thread, which also receives the answers this node waits for
        executor = context.getExecutorServiceManager().newThreadPool(this, "ap3000-forwarded",
                new ThreadPoolProfileBuilder("ap3000-forwarded").poolSize(SERVING_THREADS).maxPoolSize(SERVING_THREADS)
                        .maxQueueSize(SERVING_QUEUE).rejectedPolicy(ThreadPoolRejectedPolicy.Abort).build());
        listener = context.getExecutorServiceManager().newSingleThreadExecutor(this, "ap3000-node-subscriber");
        listener.submit(() -> {
            while (isRunAllowed()) {
                try {
                    redis.subscribe(subscriber, requests(ownership.node()), replies(ownership.node()));
                } catch (RuntimeException e) {
                    if (isRunAllowed()) {
                        LOG.warn("Lost the subscription for forwarded requests ({}); subscribing again",
                                e.getMessage());
                        sleepQuietly();
                    }
                }
            }
        });
    }

    @Override
    protected void doStop() throws Exception {
        if (subscriber.isSubscribed()) {
            subscriber.unsubscribe();
        }
        context.getExecutorServiceManager().shutdownNow(listener);
        context.getExecutorServiceManager().shutdownNow(executor);
        template.stop();
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
