package ap3000.gateway.api;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import org.apache.camel.CamelContext;
import org.apache.camel.Header;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ap3000.gateway.event.DeviceEvent;
import ap3000.gateway.event.EventJson;
import ap3000.gateway.protocol.DeviceIds;
import ap3000.gateway.redis.RedisConnection;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XReadParams;
import redis.clients.jedis.resps.StreamEntry;

/**
 * IoT-Zinx's notification recorder (pkg/notification/recorder.go) on the gateway's real events: the latest events
 * as IoT-Zinx's NotificationEventDTO ({@code GET /notifications/recent}) and a live feed for
 * {@code GET /notifications/stream}. It tails the event journal with plain XREAD (no consumer group, so it takes
 * nothing from the audit or the webhooks and holds back no trimming), which shows every node's events on every
 * node; the last {@code capacity} stay in memory. One thread tails each journal shard (one XREAD may name only
 * streams of one cluster slot); a device's events are in one shard, so they come in order.
 */
public class NotificationFeed extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(NotificationFeed.class);
    private static final int READ_BATCH = 500;
    private static final int BLOCK_MILLIS = 1000;
    /** The contract names an order and a power differently per event type; IoT-Zinx's DTO has one of each. */
    private static final List<String> ORDER_FIELDS = List.of("order_number", "order_id", "order_no");
    private static final List<String> POWER_FIELDS = List.of("instant_power", "current_power", "power");

    /** IoT-Zinx's filters (models.go NotificationQuery), shared by the list and the stream. */
    public record Filter(Set<String> eventTypes, Integer deviceId, String orderNo, Integer port, long sinceUnix) {

        static Filter of(String eventTypes, String deviceId, String orderNo, String port, String since) {
            Set<String> types = eventTypes == null ? Set.of() : java.util.Arrays.stream(eventTypes.split(","))
                    .map(String::trim).filter(t -> !t.isEmpty()).collect(Collectors.toSet());
            Integer device = deviceId == null || deviceId.isBlank() ? null : QueryParams.deviceId(deviceId);
            Integer portNumber = port == null || port.isBlank() ? null : QueryParams.number("port", port, 0, 0, 255);
            long sinceUnix = since == null || since.isBlank() ? 0
                    : QueryParams.number("since", since, 0, 0, Integer.MAX_VALUE);
            return new Filter(types, device, orderNo == null || orderNo.isBlank() ? null : orderNo.trim(),
                    portNumber, sinceUnix);
        }

        boolean matches(Map<String, Object> dto) {
            return (eventTypes.isEmpty() || eventTypes.contains((String) dto.get("event_type")))
                    && (deviceId == null || DeviceIds.format(deviceId).equals(dto.get("device_id")))
                    && (port == null || port.equals(dto.get("port_number")))
                    && (orderNo == null || orderNo.equals(dto.get("orderNo")))
                    && ((Number) dto.get("timestamp")).longValue() >= sinceUnix;
        }
    }

    private final CamelContext context;
    private final RedisConnection redis;
    private final List<String> streamKeys;
    private final int capacity;
    private final Deque<Map<String, Object>> recent = new ArrayDeque<>();
    private final List<Consumer<Map<String, Object>>> listeners = new CopyOnWriteArrayList<>();
    private ExecutorService reader;
    private volatile boolean running;
    /** Shared by the shards' reader threads: one line per outage. */
    private final AtomicBoolean failing = new AtomicBoolean();

    /**
     * @param streamKeys the journal's shards
     * @param capacity   events kept for {@code /notifications/recent} (IoT-Zinx kept 2000)
     */
    public NotificationFeed(CamelContext context, RedisConnection redis, List<String> streamKeys, int capacity) {
        this.context = context;
        this.redis = redis;
        this.streamKeys = List.copyOf(streamKeys);
        this.capacity = capacity;
    }

    /**
     * IoT-Zinx's {@code GET /notifications/recent} (notification_handlers.go HandleNotificationRecent): the latest
     * matching events, oldest first, at most {@code limit} (default 100).
     */
    public ApiResponse recent(@Header("event_types") String eventTypes, @Header("device_id") String deviceId,
                              @Header("orderNo") String orderNo, @Header("port") String port,
                              @Header("since") String since, @Header("limit") String limit) {
        Filter filter = Filter.of(eventTypes, deviceId, orderNo, port, since);
        int max = QueryParams.number("limit", limit, 100, 1, capacity);
        return new ApiResponse(0, "成功", recent(filter, max));
    }

    /** The latest matching events, oldest first. */
    public List<Map<String, Object>> recent(Filter filter, int limit) {
        List<Map<String, Object>> matching = new ArrayList<>();
        synchronized (recent) {
            for (Map<String, Object> dto : recent) {
                if (filter.matches(dto)) {
                    matching.add(dto);
                }
            }
        }
        return matching.subList(Math.max(0, matching.size() - limit), matching.size());
    }

    /** Every event from now on, until the returned handle is closed. */
    public AutoCloseable listen(Consumer<Map<String, Object>> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /**
     * IoT-Zinx's NotificationEventDTO (pkg/notification/api_dto.go): the webhook's envelope with {@code port_number}
     * 0 when the event names no port, plus {@code orderNo} and {@code power} lifted from the data when present
     * (the contract's {@code order_number} / {@code order_id}, {@code instant_power} / {@code current_power}).
     */
    static Map<String, Object> dto(DeviceEvent event) {
        Map<String, Object> dto = new LinkedHashMap<>();
        dto.put("event_id", event.eventId());
        dto.put("event_type", event.eventType());
        dto.put("device_id", event.deviceId());
        dto.put("port_number", event.portNumber() == null ? 0 : event.portNumber());
        dto.put("timestamp", event.timestamp());
        dto.put("data", event.data());
        Object order = first(event.data(), ORDER_FIELDS);
        if (order != null && !order.toString().isEmpty()) {
            dto.put("orderNo", order.toString());
        }
        if (first(event.data(), POWER_FIELDS) instanceof Number power && power.doubleValue() != 0) {
            dto.put("power", power);
        }
        return dto;
    }

    private static Object first(Map<String, Object> data, List<String> names) {
        if (data != null) {
            for (String name : names) {
                if (data.get(name) != null) {
                    return data.get(name);
                }
            }
        }
        return null;
    }

    private void tail(String streamKey) {
        StreamEntryID last = newest(streamKey);
        while (running) {
            try {
                List<Map.Entry<String, List<StreamEntry>>> read = redis.client().xread(
                        XReadParams.xReadParams().block(BLOCK_MILLIS).count(READ_BATCH), Map.of(streamKey, last));
                recovered();
                if (read == null) {
                    continue;
                }
                for (Map.Entry<String, List<StreamEntry>> stream : read) {
                    for (StreamEntry entry : stream.getValue()) {
                        last = entry.getID();
                        record(entry.getFields().get("event"));
                    }
                }
            } catch (RuntimeException e) {
                if (running) {
                    failed(e);
                    pause();
                }
            }
        }
    }

    /** The journal's newest entry, so that the feed starts from now; "0-0" for an empty journal. */
    private StreamEntryID newest(String streamKey) {
        while (running) {
            try {
                List<StreamEntry> newest = redis.client().xrevrange(streamKey, "+", "-", 1);
                recovered();
                return newest.isEmpty() ? new StreamEntryID() : newest.get(0).getID();
            } catch (RuntimeException e) {
                failed(e);
                pause();
            }
        }
        return new StreamEntryID();
    }

    private void record(String json) {
        if (json == null) {
            return;
        }
        Map<String, Object> dto;
        try {
            dto = dto(EventJson.read(json));
        } catch (RuntimeException e) {
            // Redis is untrusted: an entry this gateway did not write is skipped, not fatal
            LOG.debug("Skipped a journal entry that is not an event: {}", e.toString());
            return;
        }
        synchronized (recent) {
            recent.addLast(dto);
            if (recent.size() > capacity) {
                recent.removeFirst();
            }
        }
        for (Consumer<Map<String, Object>> listener : listeners) {
            listener.accept(dto);
        }
    }

    /** One line per outage, not one a second: Redis being down is reported by its health check. */
    private void failed(RuntimeException e) {
        if (failing.compareAndSet(false, true)) {
            LOG.warn("Reading the event journal for /notifications failed, retrying every second: {}", e.toString());
        }
    }

    private void recovered() {
        if (failing.compareAndSet(true, false)) {
            LOG.info("Reading the event journal for /notifications again");
        }
    }

    private static void pause() {
        try {
            Thread.sleep(BLOCK_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    protected void doStart() {
        running = true;
        reader = context.getExecutorServiceManager().newFixedThreadPool(this, "notification-feed", streamKeys.size());
        for (String streamKey : streamKeys) {
            reader.execute(() -> tail(streamKey));
        }
    }

    @Override
    protected void doStop() {
        running = false;
        if (reader != null) {
            // not waited for: its blocking read ends within BLOCK_MILLIS by itself, and a stop has a budget
            // (gateway.shutdown-timeout) that the routes and the webhook workers already share
            context.getExecutorServiceManager().shutdownNow(reader);
        }
    }
}
