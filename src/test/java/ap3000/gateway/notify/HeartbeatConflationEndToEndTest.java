package ap3000.gateway.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import ap3000.gateway.RunningGateway;
import ap3000.gateway.device.DeviceSocket;
import ap3000.gateway.device.TestFrames;
import ap3000.gateway.event.DeviceEvent;
import ap3000.gateway.notify.WebhookReceiver.Answer;
import ap3000.gateway.notify.WebhookReceiver.Request;
import ap3000.gateway.protocol.DeviceIds;
import ap3000.gateway.redis.RedisConnection;
import redis.clients.jedis.UnifiedJedis;

/**
 * While a receiver answers 503, a device sends many heartbeats between business events (port changes, power
 * samples, a settlement); once it answers again, every business event arrives once in the device's order and the
 * heartbeats arrive conflated (latest wins), or every one of them with {@code conflate-heartbeats=false}.
 */
class HeartbeatConflationEndToEndTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String HEARTBEAT = "device_heartbeat";
    private static final int HEARTBEATS = 60;

    private final AtomicBoolean down = new AtomicBoolean(true);
    private WebhookReceiver receiver;
    private RunningGateway gateway;
    private DeviceSocket socket;

    @AfterEach
    void stop() throws Exception {
        if (socket != null) {
            socket.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        if (receiver != null) {
            receiver.close();
        }
    }

    @Test
    void should_deliver_every_business_event_in_order_and_only_the_latest_waiting_heartbeats() throws Exception {
        int device = 0x04A50001;
        List<DeviceEvent> sent = outage(device, Map.of());
        String queue = "notify:{sink}:queue:04A50001";
        long queued = redis().zcard(queue);
        long bytes = redis().memoryUsage(queue);
        long businessEvents = sent.stream().filter(e -> !e.eventType().equals(HEARTBEAT)).count();
        System.out.printf("conflated outbox queue: %d events (%d sent, %d of them business), MEMORY USAGE %d bytes,"
                + " %d bytes per queued event%n", queued, sent.size(), businessEvents, bytes, bytes / queued);
        // one waiting heartbeat at most per gap between business events, plus the one at the head
        assertThat(queued).isLessThanOrEqualTo(2 * businessEvents + 2);

        List<Request> delivered = deliverAll(sent);
        assertThat(delivered).filteredOn(r -> !r.eventType().equals(HEARTBEAT)).extracting(Request::eventId)
                .containsExactlyElementsOf(sent.stream().filter(e -> !e.eventType().equals(HEARTBEAT))
                        .map(DeviceEvent::eventId).toList());
        assertInJournalOrder(delivered, sent);
        long heartbeats = delivered.stream().filter(r -> r.eventType().equals(HEARTBEAT)).count();
        System.out.printf("conflated: %d of %d heartbeats delivered%n", heartbeats, HEARTBEATS + 5);
        assertThat(heartbeats).isLessThan(HEARTBEATS / 3);
        assertThat(delivered.get(delivered.size() - 1).eventId()).isEqualTo(sent.get(sent.size() - 1).eventId());
    }

    @Test
    void should_deliver_every_heartbeat_when_the_endpoint_does_not_conflate() throws Exception {
        int device = 0x04A50002;
        List<DeviceEvent> sent = outage(device, Map.of("notify.endpoints.sink.conflate-heartbeats", "false"));
        String queue = "notify:{sink}:queue:04A50002";
        assertThat(redis().zcard(queue)).isEqualTo(sent.size());
        long bytes = redis().memoryUsage(queue);
        System.out.printf("unconflated outbox queue: %d events, MEMORY USAGE %d bytes, %d bytes per queued event%n",
                sent.size(), bytes, bytes / sent.size());

        List<Request> delivered = deliverAll(sent);
        assertThat(delivered).extracting(Request::eventId)
                .containsExactlyElementsOf(sent.stream().map(DeviceEvent::eventId).toList());
        assertThat(delivered).filteredOn(r -> r.eventType().equals(HEARTBEAT)).hasSizeGreaterThanOrEqualTo(HEARTBEATS);
    }

    /**
     * Starts a gateway whose receiver is down and a device that sends heartbeats, port changes, power samples and a
     * settlement, ending with a heartbeat; returns the device's events once all of them are queued.
     */
    private List<DeviceEvent> outage(int device, Map<String, String> overrides) throws Exception {
        receiver = new WebhookReceiver();
        receiver.answer(r -> down.get() ? Answer.status(503) : Answer.status(200));
        Map<String, String> properties = new HashMap<>();
        properties.put("notify.endpoints", "sink");
        properties.put("notify.endpoints.sink.url", receiver.url());
        properties.put("notify.endpoints.sink.timeout", "2s");
        properties.put("notify.retry.delay-ms", "20");
        properties.put("notify.retry.redeliveries", "1");
        // many short rounds: nothing reaches the dead letters during the outage
        properties.put("notify.retry.schedule", String.join(",", Collections.nCopies(300, "100ms")));
        properties.put("notify.poll-interval", "20ms");
        properties.put("notify.lease", "10s");
        properties.put("notify.circuit.minimum-calls", "1000");
        properties.put("notify.circuit.window", "1000");
        properties.putAll(overrides);
        gateway = RunningGateway.start(properties);

        String order = "CONFLATE_ORDER_1";
        // the device stays connected until the end: its device_offline is not part of the story
        socket = DeviceSocket.online(gateway.tcpPort(), device);
        // the receiver has the device's first event in hand (and refused it) before the heartbeats come
        await().atMost(WAIT).until(() -> !receiver.received().isEmpty());
        for (int i = 0; i < HEARTBEATS; i++) {
            int port1 = (i / 10) % 2; // a port change every 10th heartbeat: a port_heartbeat behind it
            socket.send(TestFrames.heartbeat(device, 0x100 + i, port1, 0));
            socket.readFrame();
            if (i % 15 == 7) {
                socket.send(TestFrames.powerHeartbeat(device, 0x200 + i, 2, order, 60 + i, 1, 1200));
            }
        }
        socket.send(TestFrames.settlement(device, 0x300, 2, order, 120, 2, 1200, 7));
        socket.readFrame();
        for (int i = 0; i < 5; i++) {
            socket.send(TestFrames.heartbeat(device, 0x400 + i, 0, 0));
            socket.readFrame();
        }
        // queued in journal order: once the last event is in the outbox, all of them are
        List<DeviceEvent> sent = await().atMost(WAIT).until(() -> gateway.journal(DeviceIds.format(device)),
                events -> !events.isEmpty() && events.get(events.size() - 1).eventType().equals(HEARTBEAT)
                        && events.stream().filter(e -> e.eventType().equals(HEARTBEAT)).count() == HEARTBEATS + 5);
        String last = sent.get(sent.size() - 1).eventId();
        String queue = "notify:{sink}:queue:" + DeviceIds.format(device);
        await().atMost(WAIT).until(() -> redis().zrange(queue, -1, -1).stream().anyMatch(b -> b.contains(last)));
        return sent;
    }

    /** The receiver comes back; returns what it accepted once the device's last event arrived. */
    private List<Request> deliverAll(List<DeviceEvent> sent) {
        down.set(false);
        String last = sent.get(sent.size() - 1).eventId();
        await().atMost(WAIT).until(() -> receiver.accepted().stream().anyMatch(r -> r.eventId().equals(last)));
        return receiver.accepted();
    }

    /** Nothing arrived ahead of an event that happened before it. */
    private static void assertInJournalOrder(List<Request> delivered, List<DeviceEvent> sent) {
        List<String> order = sent.stream().map(DeviceEvent::eventId).toList();
        assertThat(delivered).extracting(r -> order.indexOf(r.eventId())).doesNotContain(-1).isSorted()
                .doesNotHaveDuplicates();
    }

    private UnifiedJedis redis() {
        return gateway.bean("redis", RedisConnection.class).client();
    }
}
