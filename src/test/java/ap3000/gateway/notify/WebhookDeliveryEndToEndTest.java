package ap3000.gateway.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.standardwebhooks.Webhook;

import ap3000.gateway.ExternalRedis;
import ap3000.gateway.Http;
import ap3000.gateway.RunningGateway;
import ap3000.gateway.device.DeviceSocket;
import ap3000.gateway.device.TestFrames;
import ap3000.gateway.event.DeviceEvent;
import ap3000.gateway.notify.WebhookReceiver.Answer;
import ap3000.gateway.notify.WebhookReceiver.Request;
import ap3000.gateway.redis.RedisConnection;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.UnifiedJedis;
import redis.embedded.RedisServer;

/** Webhooks from device frames over TCP to a real HTTP receiver, through the real gateway. */
class WebhookDeliveryEndToEndTest {

    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final String OLD_SECRET = "whsec_dGhlIG9sZCBzZWNyZXQgb2YgdGhlIHJlY2VpdmVy";
    private static final String KEY = "api-key-1";
    private static final Duration WAIT = Duration.ofSeconds(20);

    private WebhookReceiver receiver;
    private RunningGateway gateway;
    private final List<DeviceSocket> devices = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (DeviceSocket device : devices) {
            device.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        if (receiver != null) {
            receiver.close();
        }
    }

    @Test
    void should_deliver_the_contract_payload_signed_with_standard_webhooks_headers() throws Exception {
        receiver = new WebhookReceiver();
        gateway = start(Map.of("notify.endpoints.sink.secret", SECRET + "," + OLD_SECRET,
                "notify.endpoints.sink.api-key", "k-123"));
        online(0x04A228CD);
        Request register = await().atMost(WAIT).until(() -> first("device_register"), r -> r != null);

        assertThat(register.json()).containsOnlyKeys("event_id", "event_type", "device_id", "timestamp", "data")
                .containsEntry("device_id", "04A228CD");
        assertThat(register.header("Content-Type")).startsWith("application/json");
        assertThat(register.header("Idempotency-Key")).isEqualTo(register.eventId());
        assertThat(register.header("webhook-id")).isEqualTo(register.eventId());
        assertThat(register.header("X-API-Key")).isEqualTo("k-123");
        assertThat(register.header("webhook-signature").split(" ")).hasSize(2);
        // the reference library accepts it with the new secret and, during rotation, with the old one
        new Webhook(SECRET).verify(register.body(), register.headers());
        new Webhook(OLD_SECRET).verify(register.body(), register.headers());
    }

    @Test
    void should_retry_a_500_and_log_every_attempt() throws Exception {
        receiver = new WebhookReceiver();
        AtomicInteger failures = new AtomicInteger();
        receiver.answer(r -> r.eventType().equals("device_register") && failures.getAndIncrement() < 2
                ? Answer.status(500) : Answer.status(200));
        gateway = start(Map.of());
        online(0x04A20001);

        Request delivered = await().atMost(WAIT).until(() -> first("device_register"), r -> r != null);
        assertThat(receiver.received().stream().filter(r -> r.eventId().equals(delivered.eventId())))
                .extracting(Request::status).containsExactly(500, 500, 200);
        Map<String, Object> attempts = await().atMost(WAIT).until(() -> Http.get(gateway.httpPort(),
                "/api/v1/notifications/" + delivered.eventId() + "/attempts", KEY).data(),
                d -> d != null && ((List<?>) d.get("attempts")).size() == 3);
        assertThat(list(attempts, "attempts")).extracting(a -> a.get("status")).containsExactly(500, 500, 200);
        assertThat(list(attempts, "attempts")).allSatisfy(a -> assertThat(a).containsEntry("endpoint", "sink")
                .containsKey("latency_ms"));

        String metrics = await().atMost(WAIT).until(this::metrics,
                m -> m.contains("gateway_notifications_delivered_total{endpoint=\"sink\"} 2.0"));
        assertThat(metrics).contains("gateway_notifications_attempts_total{endpoint=\"sink\",result=\"failure\"} 2.0")
                .contains("gateway_notifications_attempts_total{endpoint=\"sink\",result=\"success\"} 2.0")
                .contains("gateway_notifications_latency_seconds_count{endpoint=\"sink\"} 2")
                .contains("gateway_notifications_circuit_open{endpoint=\"sink\"} 0.0")
                .contains("gateway_notifications_outbox_depth{endpoint=\"sink\"} 0.0")
                .contains("gateway_notifications_dead_letters 0.0");
    }

    private String metrics() throws Exception {
        return Http.text(gateway.httpPort(), "/observe/metrics").body();
    }

    @Test
    void should_retry_a_request_that_timed_out() throws Exception {
        receiver = new WebhookReceiver();
        AtomicInteger calls = new AtomicInteger();
        receiver.answer(r -> r.eventType().equals("device_register") && calls.getAndIncrement() == 0
                ? new Answer(200, Map.of(), 1500) : Answer.status(200));
        gateway = start(Map.of("notify.endpoints.sink.timeout", "300ms"));
        online(0x04A20002);

        await().atMost(WAIT).until(() -> receiver.accepted().stream()
                .filter(r -> r.eventType().equals("device_register")).count() == 2);
        String eventId = first("device_register").eventId();
        Map<String, Object> attempts = await().atMost(WAIT).until(() -> Http.get(gateway.httpPort(),
                "/api/v1/notifications/" + eventId + "/attempts", KEY).data(),
                d -> d != null && ((List<?>) d.get("attempts")).size() == 2);
        Map<String, Object> timedOut = list(attempts, "attempts").get(0);
        assertThat(timedOut.get("status")).isNull();
        assertThat((String) timedOut.get("error")).containsIgnoringCase("timeout");
        assertThat(list(attempts, "attempts").get(1)).containsEntry("status", 200);
    }

    @Test
    void should_disable_an_endpoint_that_answers_410_and_keep_its_events_until_enabled() throws Exception {
        receiver = new WebhookReceiver();
        receiver.answer(r -> Answer.status(410));
        gateway = start(Map.of());
        online(0x04A20003);

        await().atMost(WAIT).until(() -> endpoint("sink").get("disabled") != null);
        int requestsWhenDisabled = receiver.received().size();
        assertThat(requestsWhenDisabled).isEqualTo(1);
        assertThat((String) endpoint("sink").get("disabled")).startsWith("HTTP 410");
        @SuppressWarnings("unchecked")
        Map<String, Object> queued = (Map<String, Object>) endpoint("sink").get("queued");
        assertThat(((Number) queued.get("events")).intValue()).isEqualTo(2);

        receiver.answer(r -> Answer.status(200));
        assertThat(Http.post(gateway.httpPort(), "/api/v1/notifications/endpoints/sink/enable", KEY, "").status())
                .isEqualTo(200);
        await().atMost(WAIT).until(() -> receiver.accepted().size() == 2);
        assertThat(receiver.accepted()).extracting(Request::eventType)
                .containsExactly("device_online", "device_register");
    }

    @Test
    void should_wait_as_long_as_retry_after_says() throws Exception {
        receiver = new WebhookReceiver();
        AtomicInteger calls = new AtomicInteger();
        receiver.answer(r -> r.eventType().equals("device_register") && calls.getAndIncrement() == 0
                ? new Answer(429, Map.of("Retry-After", "2"), 0) : Answer.status(200));
        gateway = start(Map.of());
        online(0x04A20004);

        Request delivered = await().atMost(WAIT).until(() -> first("device_register"), r -> r != null);
        List<Request> tries = receiver.received().stream().filter(r -> r.eventId().equals(delivered.eventId()))
                .toList();
        // no quick retries in between, and the second try only after the 2 s asked for
        assertThat(tries).extracting(Request::status).containsExactly(429, 200);
        assertThat(tries.get(1).receivedAtMillis() - tries.get(0).receivedAtMillis()).isGreaterThanOrEqualTo(1900);
    }

    @Test
    void should_open_the_circuit_while_the_receiver_fails_and_close_it_after_without_losing_events()
            throws Exception {
        receiver = new WebhookReceiver();
        receiver.answer(r -> Answer.status(500));
        gateway = start(Map.of("notify.circuit.minimum-calls", "4", "notify.circuit.window", "4",
                "notify.circuit.open-seconds", "2", "notify.circuit.half-open-calls", "1",
                "notify.retry.schedule", "200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms"));
        for (int i = 0; i < 5; i++) {
            online(0x04A21000 + i);
        }
        await().atMost(WAIT).until(() -> "OPEN".equals(endpoint("sink").get("circuit")));
        int whenOpened = receiver.received().size();
        // while open, no call reaches the receiver: the circuit refuses them and the events stay queued
        assertThat(receiver.received().size()).isLessThanOrEqualTo(whenOpened + 1);
        assertThat(metrics()).contains("gateway_notifications_circuit_open{endpoint=\"sink\"} 1.0")
                .doesNotContain("gateway_notifications_outbox_depth{endpoint=\"sink\"} 0.0");

        receiver.answer(r -> Answer.status(200));
        await().atMost(WAIT).until(() -> receiver.accepted().stream().map(Request::eventId).distinct().count() == 10);
        await().atMost(WAIT).until(() -> "CLOSED".equals(endpoint("sink").get("circuit")));
        assertThat(Http.get(gateway.httpPort(), "/api/v1/notifications/dead-letters", KEY).data())
                .containsEntry("total", 0);
    }

    @Test
    void should_send_events_waiting_for_a_later_retry_round_as_soon_as_the_circuit_closes_again() throws Exception {
        receiver = new WebhookReceiver();
        receiver.answer(r -> Answer.status(503));
        // the second retry round is an hour away: without the circuit's closing, the backlog would wait for it
        gateway = start(Map.of("notify.circuit.minimum-calls", "4", "notify.circuit.window", "4",
                "notify.circuit.open-seconds", "1", "notify.circuit.half-open-calls", "1",
                "notify.retry.redeliveries", "0", "notify.retry.schedule", "100ms,1h,1h"));
        for (int i = 0; i < 5; i++) {
            online(0x04A22000 + i);
        }
        UnifiedJedis redis = gateway.bean("redis", RedisConnection.class).client();
        await().atMost(WAIT).until(() -> redis.zcount("notify:{sink}:ready", System.currentTimeMillis() + 600_000,
                Double.POSITIVE_INFINITY) == 5);

        receiver.answer(r -> Answer.status(200));
        // a new device's events are due now: they find the circuit half open, close it, and the rest follows
        online(0x04A22005);
        await().atMost(WAIT).until(() -> receiver.accepted().stream().map(Request::eventId).distinct().count() == 12);
        // the receiver has its last answer before the gateway reads it and takes the event out of the outbox
        await().atMost(WAIT).until(() -> redis.zcard("notify:{sink}:ready") == 0);
    }

    @Test
    void should_throttle_requests_to_the_endpoint_rate_limit() throws Exception {
        receiver = new WebhookReceiver();
        gateway = start(Map.of("notify.endpoints.sink.rate-limit", "5"));
        for (int i = 0; i < 10; i++) {
            online(0x04A22000 + i);
        }
        await().atMost(WAIT).until(() -> receiver.accepted().size() == 20);
        // when the gateway began each request (its attempt log: end minus latency), not when the receiver saw it:
        // on a busy machine requests sent 200 ms apart can arrive bunched up
        List<Long> times = new ArrayList<>();
        for (Request request : receiver.accepted()) {
            Map<String, Object> attempt = await().atMost(WAIT).until(() -> list(Http.get(gateway.httpPort(),
                    "/api/v1/notifications/" + request.eventId() + "/attempts", KEY).data(), "attempts"),
                    attempts -> !attempts.isEmpty()).get(0);
            times.add(((Number) attempt.get("at")).longValue() - ((Number) attempt.get("latency_ms")).longValue());
        }
        Collections.sort(times);
        for (int i = 0; i + 5 < times.size(); i++) {
            // any 6 consecutive requests span at least one throttle period (1 s), with a little clock slack
            assertThat(times.get(i + 5) - times.get(i)).isGreaterThanOrEqualTo(950);
        }
    }

    @Test
    void should_dead_letter_after_every_round_and_replay_with_the_same_event_id() throws Exception {
        receiver = new WebhookReceiver();
        receiver.answer(r -> Answer.status(500));
        gateway = start(Map.of("notify.endpoints.sink.event-types", "device_register"));
        online(0x04A20005);
        online(0x04A20006);

        Map<String, Object> dead = await().atMost(WAIT).until(() -> Http.get(gateway.httpPort(),
                "/api/v1/notifications/dead-letters?endpoint=sink&type=device_register", KEY).data(),
                d -> ((Number) d.get("count")).intValue() == 2);
        Map<String, Object> letter = list(dead, "dead_letters").get(0);
        // (1 try + 2 quick retries) x (first round + 2 durable rounds)
        assertThat(letter).containsEntry("endpoint", "sink").containsEntry("last_status", 500)
                .containsEntry("attempts", 9).containsEntry("response_snippet", "{\"code\":500}");
        assertThat(receiver.accepted()).isEmpty();

        receiver.answer(r -> Answer.status(200));
        String id = (String) letter.get("id");
        assertThat(Http.post(gateway.httpPort(), "/api/v1/notifications/dead-letters/" + id + "/replay", KEY, "")
                .status()).isEqualTo(200);
        await().atMost(WAIT).until(() -> receiver.accepted().size() == 1);
        assertThat(receiver.accepted().get(0).eventId()).isEqualTo(letter.get("event_id"));

        Http.Answer all = Http.post(gateway.httpPort(), "/api/v1/notifications/dead-letters/replay?endpoint=sink",
                KEY, "");
        assertThat(all.data()).containsEntry("replayed", 1);
        await().atMost(WAIT).until(() -> receiver.accepted().size() == 2);
        assertThat(Http.get(gateway.httpPort(), "/api/v1/notifications/dead-letters", KEY).data())
                .containsEntry("total", 0);
        assertThat(Http.post(gateway.httpPort(), "/api/v1/notifications/dead-letters/" + id + "/replay", KEY, "")
                .status()).isEqualTo(404);
        assertThat(metrics()).contains("gateway_notifications_dead_lettered_total{endpoint=\"sink\"} 2.0")
                .contains("gateway_notifications_retried_total{endpoint=\"sink\"} 4.0");
    }

    @Test
    void should_delete_a_dead_letter_and_refuse_bad_requests() throws Exception {
        receiver = new WebhookReceiver();
        receiver.answer(r -> Answer.status(400));
        gateway = start(Map.of("notify.endpoints.sink.event-types", "device_register",
                "notify.retry.schedule", "200ms"));
        online(0x04A20007);
        Map<String, Object> dead = await().atMost(WAIT).until(() -> Http.get(gateway.httpPort(),
                "/api/v1/notifications/dead-letters", KEY).data(), d -> ((Number) d.get("count")).intValue() == 1);
        String id = (String) list(dead, "dead_letters").get(0).get("id");

        assertThat(Http.delete(gateway.httpPort(), "/api/v1/notifications/dead-letters/" + id, KEY).status())
                .isEqualTo(200);
        assertThat(Http.delete(gateway.httpPort(), "/api/v1/notifications/dead-letters/" + id, KEY).status())
                .isEqualTo(404);
        assertThat(Http.get(gateway.httpPort(), "/api/v1/notifications/dead-letters", null).status())
                .isEqualTo(401);
        assertThat(Http.get(gateway.httpPort(), "/api/v1/notifications/dead-letters?limit=0", KEY).status())
                .isEqualTo(400);
        assertThat(Http.post(gateway.httpPort(), "/api/v1/notifications/dead-letters/replay", KEY, "").status())
                .isEqualTo(400);
        assertThat(Http.post(gateway.httpPort(), "/api/v1/notifications/dead-letters/replay?endpoint=nope", KEY, "")
                .status()).isEqualTo(400);
        assertThat(Http.get(gateway.httpPort(), "/api/v1/notifications/no-such-event/attempts", KEY).status())
                .isEqualTo(404);
    }

    @Test
    void should_send_each_endpoint_only_the_event_types_it_subscribed_to() throws Exception {
        receiver = new WebhookReceiver();
        try (WebhookReceiver billing = new WebhookReceiver()) {
            gateway = start(Map.of("notify.endpoints", "sink,billing", "notify.endpoints.billing.url", billing.url(),
                    "notify.endpoints.billing.event-types", "device_register"));
            DeviceSocket device = online(0x04A20008);
            device.send(TestFrames.heartbeat(0x04A20008, 2, 0, 0));
            device.readFrame();
            await().atMost(WAIT).until(() -> receiver.accepted().size() >= 5);
            await().atMost(WAIT).until(() -> billing.accepted().size() == 1);
            assertThat(billing.accepted().get(0).eventType()).isEqualTo("device_register");
            assertThat(receiver.accepted()).extracting(Request::eventType).contains("device_online",
                    "device_register", "device_heartbeat", "port_heartbeat");
        }
    }

    @Test
    void should_keep_each_device_in_order_while_devices_proceed_in_parallel() throws Exception {
        receiver = new WebhookReceiver();
        int slow = 0x04A23001;
        // the slow device's first event fails once and every request of it takes 300 ms
        AtomicInteger firstFailures = new AtomicInteger();
        receiver.answer(r -> {
            if (!"04A23001".equals(r.json().get("device_id"))) {
                return Answer.status(200);
            }
            return r.eventType().equals("device_online") && firstFailures.getAndIncrement() == 0
                    ? new Answer(500, Map.of(), 300) : new Answer(200, Map.of(), 300);
        });
        gateway = start(Map.of());
        DeviceSocket slowDevice = online(slow);
        for (int i = 2; i < 6; i++) {
            slowDevice.send(TestFrames.heartbeat(slow, i, 0, i % 2));
            slowDevice.readFrame();
        }
        online(0x04A23002);

        List<String> expected = gateway.journal("04A23001").stream().map(DeviceEvent::eventId).toList();
        await().atMost(WAIT).until(() -> receiver.accepted().stream()
                .filter(r -> "04A23001".equals(r.json().get("device_id"))).count() == expected.size());
        assertThat(receiver.accepted().stream().filter(r -> "04A23001".equals(r.json().get("device_id")))
                .map(Request::eventId)).containsExactlyElementsOf(expected);
        // the fast device did not wait for the slow one
        long fastDone = receiver.accepted().stream().filter(r -> "04A23002".equals(r.json().get("device_id")))
                .mapToLong(Request::receivedAtMillis).max().orElseThrow();
        long slowDone = receiver.accepted().stream().filter(r -> "04A23001".equals(r.json().get("device_id")))
                .mapToLong(Request::receivedAtMillis).max().orElseThrow();
        assertThat(fastDone).isLessThan(slowDone);
    }

    /**
     * Redis fails right after the receiver answered 200: it refuses the write that takes the event out of the outbox
     * (ACL: no ZREM, which that script starts with), as a Redis failing over or out of memory refuses writes. That is
     * not the receiver's failure: no retry round is spent (the first one is an hour away here), the device is due
     * again after the quick-retry delay (not when its one-minute lease ends), so the event is sent again, with the
     * same event_id, while Redis still refuses; once it takes the write the event leaves the outbox.
     */
    @Test
    void should_spend_no_retry_round_when_redis_fails_after_the_receiver_answered() throws Exception {
        // an external server: the embedded one disables ACL
        int redisPort = RunningGateway.freePort();
        RedisServer server = ExternalRedis.start(redisPort, Files.createTempDirectory("webhook-redis"));
        try (UnifiedJedis redis = new UnifiedJedis("redis://127.0.0.1:" + redisPort)) {
            receiver = new WebhookReceiver();
            gateway = start(Map.of("gateway.redis.url", "redis://127.0.0.1:" + redisPort,
                    "notify.endpoints.sink.event-types", "device_online", "notify.retry.schedule", "1h",
                    "notify.lease", "60s"));
            AtomicBoolean refusing = new AtomicBoolean();
            receiver.answer(request -> {
                if (refusing.compareAndSet(false, true)) {
                    redis.sendCommand(Protocol.Command.ACL, "SETUSER", "default", "-zrem");
                }
                return Answer.status(200);
            });
            String device = "04A2000B";
            online(0x04A2000B);

            // sent again while Redis still refuses: the worker made the device due after the quick-retry delay, not
            // in an hour (a retry round) nor when its lease ends (60 s, beyond WAIT)
            await().atMost(WAIT).until(() -> receiver.accepted().size() >= 2);
            assertThat(redis.hget("notify:{sink}:tries", receiver.accepted().get(0).eventId())).isNull();

            redis.sendCommand(Protocol.Command.ACL, "SETUSER", "default", "+zrem");
            await().atMost(WAIT).until(() -> !redis.exists("notify:{sink}:queue:" + device));
            assertThat(receiver.accepted()).extracting(Request::eventId)
                    .containsOnly(receiver.accepted().get(0).eventId()).hasSizeGreaterThanOrEqualTo(2);
            assertThat(Http.get(gateway.httpPort(), "/api/v1/notifications/dead-letters", KEY).data())
                    .containsEntry("total", 0);
        } finally {
            if (gateway != null) {
                gateway.close();
                gateway = null;
            }
            server.stop();
        }
    }

    @Test
    void should_deliver_what_was_queued_before_a_restart() throws Exception {
        receiver = new WebhookReceiver();
        int port = receiver.port();
        receiver.close();
        gateway = start(Map.of("notify.endpoints.sink.url", "http://127.0.0.1:" + port + "/hook",
                "notify.retry.schedule", "300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms"));
        online(0x04A20009).close();
        devices.clear();
        await().atMost(WAIT).until(() -> gateway.journal("04A20009").size() == 3);
        String dataDir = gateway.dataDir().toString();
        gateway.close();

        receiver = new WebhookReceiver(port);
        gateway = start(Map.of("gateway.data-dir", dataDir,
                "notify.endpoints.sink.url", "http://127.0.0.1:" + port + "/hook"));
        await().atMost(WAIT).until(() -> receiver.accepted().size() == 3);
        assertThat(receiver.accepted()).extracting(Request::eventType)
                .containsExactly("device_online", "device_register", "device_offline");
    }

    @Test
    void should_finish_the_delivery_in_flight_on_shutdown_and_leave_the_rest_queued() throws Exception {
        receiver = new WebhookReceiver();
        receiver.answer(r -> new Answer(200, Map.of(), 1000));
        gateway = start(Map.of("notify.workers-per-endpoint", "1"));
        online(0x04A2000B);
        await().atMost(WAIT).until(() -> receiver.received().size() == 1);
        String dataDir = gateway.dataDir().toString();
        gateway.close(); // while the first request waits for its answer
        gateway = null;
        // the request in flight was answered and recorded; the second event was not sent, it is still queued
        assertThat(receiver.accepted()).extracting(Request::eventType).containsExactly("device_online");

        receiver.answer(r -> Answer.status(200));
        gateway = start(Map.of("gateway.data-dir", dataDir));
        await().atMost(WAIT).until(() -> receiver.accepted().size() == 3);
        assertThat(receiver.accepted()).extracting(Request::eventType)
                .containsExactly("device_online", "device_register", "device_offline");
    }

    @Test
    void should_deliver_everything_after_redis_was_down_for_a_while() throws Exception {
        int redisPort = RunningGateway.freePort();
        Path dir = Files.createTempDirectory("webhook-redis");
        RedisServer redis = ExternalRedis.start(redisPort, dir);
        try {
            receiver = new WebhookReceiver();
            gateway = start(Map.of("gateway.redis.url", "redis://127.0.0.1:" + redisPort,
                    "gateway.redis.timeout", "300ms"));
            int id = 0x04A2000A;
            DeviceSocket device = online(id);
            await().atMost(WAIT).until(() -> receiver.accepted().size() == 2);
            // and recorded as delivered: Redis stopped between the answer and that record would send one again
            WebhookOutbox outbox = gateway.bean("webhookOutbox", WebhookOutbox.class);
            await().atMost(WAIT).until(() -> outbox.depth("sink").get("events") == 0);

            redis.stop();
            device.send(TestFrames.heartbeat(id, 2, 0, 1));
            device.readFrame(); // answered while Redis is down; its events wait in memory
            redis = ExternalRedis.start(redisPort, dir);

            List<String> expected = List.of("device_online", "device_register", "device_heartbeat", "port_heartbeat",
                    "port_heartbeat");
            await().atMost(WAIT).until(() -> receiver.accepted().size() >= expected.size());
            assertThat(receiver.accepted()).extracting(Request::eventType).containsExactlyElementsOf(expected);
            assertThat(receiver.accepted().stream().map(Request::eventId).distinct()).hasSize(expected.size());
        } finally {
            if (gateway != null) {
                gateway.close();
                gateway = null;
            }
            redis.stop();
        }
    }

    private RunningGateway start(Map<String, String> overrides) throws Exception {
        Map<String, String> properties = new HashMap<>();
        properties.put("gateway.api.keys", KEY);
        properties.put("notify.endpoints", "sink");
        properties.put("notify.endpoints.sink.url", receiver.url());
        properties.put("notify.endpoints.sink.timeout", "2s");
        properties.put("notify.retry.delay-ms", "50");
        properties.put("notify.retry.redeliveries", "2");
        properties.put("notify.retry.schedule", "300ms,300ms");
        properties.put("notify.poll-interval", "20ms");
        properties.put("notify.lease", "10s");
        // only the circuit breaker test lets the circuit open
        properties.put("notify.circuit.minimum-calls", "1000");
        properties.put("notify.circuit.window", "1000");
        properties.putAll(overrides);
        return RunningGateway.start(properties);
    }

    private DeviceSocket online(int physicalId) throws Exception {
        DeviceSocket socket = DeviceSocket.online(gateway.tcpPort(), physicalId);
        devices.add(socket);
        return socket;
    }

    private Request first(String type) {
        return receiver.accepted().stream().filter(r -> r.eventType().equals(type)).findFirst().orElse(null);
    }

    private Map<String, Object> endpoint(String name) throws Exception {
        return list(Http.get(gateway.httpPort(), "/api/v1/notifications/endpoints", KEY).data(), "endpoints")
                .stream().filter(e -> name.equals(e.get("name"))).findFirst().orElseThrow();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> data, String key) {
        return (List<Map<String, Object>>) data.get(key);
    }
}
