package ap3000.gateway.notify;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.Route;
import org.apache.camel.component.http.HttpEndpoint;
import org.apache.camel.component.resilience4j.ResilienceProcessor;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.DefaultExchange;
import org.apache.camel.support.SimpleEventNotifierSupport;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.apache.hc.core5.io.CloseMode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ap3000.gateway.notify.WebhookDelivery.Outcome;

/**
 * The threads that deliver the outbox: {@code threadsPerEndpoint} per endpoint on every node. A worker leases a
 * due device, sends its oldest queued event through the endpoint's delivery route, and goes on with the device's
 * next event only once that one is delivered or dead-lettered; otherwise the route has set the device's next
 * turn (a retry round) and the worker looks for another device. Workers stop before the routes
 * on shutdown: the event in hand is finished or stays queued, never half-done.
 */
public class WebhookWorkers extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookWorkers.class);
    private static final ObjectMapper JSON = ap3000.gateway.event.EventJson.mapper();
    /** Events of one device delivered per lease before the device goes back in line, so that others get a turn. */
    private static final int EVENTS_PER_TURN = 100;

    private final CamelContext context;
    private final WebhookEndpoints endpoints;
    private final WebhookOutbox outbox;
    private final int threadsPerEndpoint;
    private final Duration pollInterval;
    private final Duration redisRetryDelay;
    private final Duration stopWait;
    private final Object wakeUp = new Object();
    private final List<Thread> threads = new ArrayList<>();
    /** Looked up once per endpoint: workers ask before every device. */
    private final Map<String, ResilienceProcessor> circuits = new ConcurrentHashMap<>();
    /** The circuit state each endpoint's workers saw last: its closing again is noticed once. */
    private final Map<String, String> circuitSeen = new ConcurrentHashMap<>();

    private ProducerTemplate template;
    private volatile boolean running;

    public WebhookWorkers(CamelContext context, WebhookEndpoints endpoints, WebhookOutbox outbox,
                          int threadsPerEndpoint, Duration pollInterval, Duration redisRetryDelay,
                          Duration stopWait) {
        this.context = context;
        this.endpoints = endpoints;
        this.outbox = outbox;
        this.threadsPerEndpoint = threadsPerEndpoint;
        this.pollInterval = pollInterval;
        this.redisRetryDelay = redisRetryDelay;
        this.stopWait = stopWait;
        // the workers stop first, while the delivery routes still run, so that the event in hand is finished
        context.getManagementStrategy().addEventNotifier(new SimpleEventNotifierSupport() {
            @Override
            public void notify(CamelEvent event) throws Exception {
                if (event instanceof CamelEvent.CamelContextStoppingEvent) {
                    stopWorkers();
                }
            }
        });
    }

    /** Something was queued on this node: idle workers look now instead of at their next poll. */
    public void wakeUp() {
        synchronized (wakeUp) {
            wakeUp.notifyAll();
        }
    }

    /** The endpoint's circuit breaker state (CLOSED, OPEN, HALF_OPEN, ...), or UNKNOWN before its route exists. */
    public String circuitState(String endpoint) {
        ResilienceProcessor circuit = circuits.computeIfAbsent(endpoint, this::findCircuit);
        // a stopped breaker (the route stopping) has no state to tell
        return circuit == null || !circuit.isStarted() ? "UNKNOWN" : circuit.getCircuitBreakerState();
    }

    /** True while the endpoint's circuit lets calls through normally (not open, not half open). */
    public boolean circuitClosed(String endpoint) {
        return "CLOSED".equals(circuitState(endpoint));
    }

    /** Camel prefixes the ids of nodes in routes made from a template, so the breaker is found by its type. */
    private ResilienceProcessor findCircuit(String endpoint) {
        Route route = context.getRoute(WebhookEndpoints.routeId(endpoint));
        if (route == null) {
            return null;
        }
        return route.filter("*").stream().filter(ResilienceProcessor.class::isInstance)
                .map(ResilienceProcessor.class::cast).findFirst().orElse(null);
    }

    @Override
    protected void doStart() {
        template = context.createProducerTemplate();
        running = true;
        for (WebhookEndpoint endpoint : endpoints.all()) {
            for (int i = 0; i < threadsPerEndpoint; i++) {
                Thread thread = context.getExecutorServiceManager().newThread("webhook-" + endpoint.name() + "-" + i,
                        () -> work(endpoint.name()));
                threads.add(thread);
                thread.start();
            }
        }
    }

    /**
     * Lets every worker finish the event in hand (up to {@code stopWait}), then aborts the HTTP requests still
     * waiting for an answer (a thread blocked reading a socket does not notice an interrupt) and interrupts the
     * workers: an aborted delivery was not acknowledged, so its event is still queued and is sent again later.
     */
    public void stopWorkers() throws InterruptedException {
        running = false;
        wakeUp();
        long deadline = System.nanoTime() + stopWait.toNanos();
        for (Thread thread : threads) {
            thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
        List<Thread> busy = threads.stream().filter(Thread::isAlive).toList();
        if (!busy.isEmpty()) {
            LOG.info("Aborting {} webhook requests still waiting after {} ms; their events stay queued", busy.size(),
                    stopWait.toMillis());
            // an endpoint with its own timeouts has its own connection manager; closing it closes leased sockets too
            for (Endpoint endpoint : context.getEndpoints()) {
                if (endpoint instanceof HttpEndpoint http && http.getClientConnectionManager() != null) {
                    http.getClientConnectionManager().close(CloseMode.IMMEDIATE);
                }
            }
            for (Thread thread : busy) {
                thread.interrupt();
                thread.join(TimeUnit.SECONDS.toMillis(1));
            }
        }
        threads.clear();
    }

    @Override
    protected void doStop() throws Exception {
        stopWorkers();
        if (template != null) {
            template.stop();
        }
    }

    private void work(String endpoint) {
        boolean failing = false;
        while (running) {
            try {
                Optional<WebhookOutbox.Claimed> claimed = isHeld(endpoint) ? Optional.empty()
                        : outbox.claim(endpoint);
                if (failing) {
                    LOG.info("Webhook worker for '{}' reaches Redis again", endpoint);
                    failing = false;
                }
                if (claimed.isEmpty()) {
                    idle();
                } else if (claimed.get().head().isPresent()) {
                    deliver(endpoint, claimed.get(), claimed.get().head().get());
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // Redis unreachable, most likely: said once, not at every poll; leased devices come back when
                // their lease ends
                if (!failing) {
                    LOG.warn("Webhook worker for '{}' paused: {}", endpoint, e.toString());
                    failing = true;
                }
                try {
                    idle();
                } catch (InterruptedException stop) {
                    return;
                }
            }
        }
    }

    /**
     * A disabled endpoint or an open circuit: no device is taken until that changes. A circuit that closes again
     * means the receiver answers again: the devices waiting for a later retry round (up to hours, by
     * {@code notify.retry.schedule}) are due at once, so that a receiver back from an outage gets its backlog now.
     */
    private boolean isHeld(String endpoint) {
        String state = circuitState(endpoint);
        // one worker of the endpoint sees the change (an atomic swap), and forgets it again if Redis failed, so that
        // the closing is noticed again at the next look
        String before = circuitSeen.put(endpoint, state);
        if ("CLOSED".equals(state) && ("OPEN".equals(before) || "HALF_OPEN".equals(before))) {
            try {
                LOG.info("Webhook endpoint '{}' answers again: {} devices waiting for a later retry are due now",
                        endpoint, outbox.retryWaitingNow(endpoint));
            } catch (RuntimeException e) {
                circuitSeen.replace(endpoint, state, before);
                throw e;
            }
        }
        return "OPEN".equals(state) || outbox.isDisabled(endpoint);
    }

    private void idle() throws InterruptedException {
        synchronized (wakeUp) {
            if (running) {
                wakeUp.wait(pollInterval.toMillis());
            }
        }
    }

    /** Delivers the device's events oldest first, for one turn; the route's outcome says whether to go on. */
    private void deliver(String endpoint, WebhookOutbox.Claimed claimed, WebhookOutbox.Queued head)
            throws InterruptedException {
        String device = claimed.device();
        WebhookOutbox.Queued current = head;
        for (int sent = 0; sent < EVENTS_PER_TURN; sent++) {
            if (!running) {
                outbox.release(endpoint, device);
                return;
            }
            Exchange exchange = exchange(endpoint, device, current);
            template.send("direct:webhook-deliver", exchange);
            Outcome outcome = exchange.getProperty(WebhookDelivery.OUTCOME, Outcome.class);
            if (outcome == null) {
                // the route could not record a result: Redis failed after the request (its quick retries too), or
                // while a retry was being scheduled. That is not the receiver's failure and spends none of its retry
                // rounds: the device is due again after the quick-retry delay (its event sent again, same event_id),
                // or, with Redis still failing, when its lease runs out; stopping, at once for the next node or start.
                // Only while this worker's lease holds: a write that reached Redis before its reply was lost may
                // have emptied the queue, and the device, queued again since, may be another worker's now
                LOG.warn("Webhook delivery to '{}' for device {} ended without a result: {}", endpoint, device,
                        exchange.getException() == null ? "stopped" : exchange.getException().toString());
                outbox.retryIn(endpoint, device, claimed.leasedUntil(), running ? redisRetryDelay : Duration.ZERO);
                return;
            }
            WebhookOutbox.Queued next = exchange.getProperty(WebhookDelivery.NEXT, WebhookOutbox.Queued.class);
            if (next == null) {
                // a retry set the device's next turn, or its queue is empty and it left the ready set (only a
                // delivery or a dead letter hands over the next event)
                return;
            }
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            current = next;
        }
        outbox.release(endpoint, device);
    }

    private Exchange exchange(String endpoint, String device, WebhookOutbox.Queued queued) {
        JsonNode body;
        try {
            body = JSON.readTree(queued.body());
        } catch (Exception e) {
            throw new IllegalStateException("outbox entry is not JSON: " + queued.body(), e);
        }
        Exchange exchange = new DefaultExchange(context);
        exchange.setProperty(WebhookDelivery.ENDPOINT, endpoint);
        exchange.setProperty(WebhookDelivery.DEVICE, device);
        exchange.setProperty(WebhookDelivery.BODY, queued.body());
        exchange.setProperty(WebhookDelivery.EVENT_ID, body.path("event_id").asText());
        exchange.setProperty(WebhookDelivery.EVENT_TYPE, body.path("event_type").asText());
        exchange.setProperty(WebhookDelivery.OCCURRED_US, queued.occurredAtMicros());
        return exchange;
    }
}
