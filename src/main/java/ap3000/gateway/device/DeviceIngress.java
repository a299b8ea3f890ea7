package ap3000.gateway.device;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.netty.channel.ChannelHandlerContext;
import org.apache.camel.Exchange;
import org.apache.camel.component.netty.NettyConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ap3000.gateway.audit.HeartbeatSummaries;
import ap3000.gateway.billing.Tariffs;
import ap3000.gateway.event.DeviceEvent;
import ap3000.gateway.event.EventBatch;
import ap3000.gateway.event.EventJson;
import ap3000.gateway.event.EventType;
import ap3000.gateway.protocol.Command;
import ap3000.gateway.protocol.DnyFrame;
import ap3000.gateway.protocol.Inbound;
import ap3000.gateway.protocol.Payload;
import ap3000.gateway.protocol.ServerCommands;
import ap3000.gateway.protocol.Units;
import redis.clients.jedis.exceptions.JedisException;

/**
 * The handling steps of the device ingress route: one method per kind of device message. Each returns the
 * events the message produced and leaves the reply the device expects (reference section 9) in the exchange
 * property {@link #REPLY}; the route writes the events to the journal before it sends the reply.
 */
public class DeviceIngress {

    /** Exchange property holding the reply frame, absent when the message gets no reply. */
    public static final String REPLY = "ap3000Reply";
    /** Header the ingress route's content-based router reads: the kind of message. */
    public static final String KIND = "ap3000Kind";

    private static final Logger LOG = LoggerFactory.getLogger(DeviceIngress.class);

    private final DeviceRegistry registry;
    private final DeviceEvents events;
    private final Downlink downlink;
    private final DeviceOwnership ownership;
    private final Clock clock;
    private final int cardSwipeAccountStatus;
    private final Duration offlineAfter;
    private final HeartbeatSummaries heartbeats;
    private final Set<String> journaledHeartbeats;
    private final Tariffs tariffs;
    private final DeviceProfiles profiles;
    private final Duration heartbeatPeriod;

    /**
     * @param cardSwipeAccountStatus the account status (reference 3.6) answered to a card swipe: the gateway
     *                               keeps no card accounts, so by default 1, "unregistered card"
     * @param offlineAfter           a device silent for this long goes offline ({@code heartbeat_timeout})
     * @param heartbeats             where every heartbeat is summarized for the audit
     * @param journaledHeartbeats    heartbeat event types an enabled webhook endpoint subscribes to: only these
     *                               are journaled when the heartbeat changed nothing
     * @param tariffs                price settlements
     * @param profiles               remember what registrations said, across connections and nodes
     * @param heartbeatPeriod        the devices' configured heartbeat period, reported in {@code device_register}
     *                               until a device's own period was observed
     */
    public DeviceIngress(DeviceRegistry registry, DeviceEvents events, Downlink downlink, DeviceOwnership ownership,
                         Clock clock, int cardSwipeAccountStatus, Duration offlineAfter,
                         HeartbeatSummaries heartbeats, Set<String> journaledHeartbeats, Tariffs tariffs,
                         DeviceProfiles profiles, Duration heartbeatPeriod) {
        this.tariffs = tariffs;
        this.profiles = profiles;
        this.heartbeatPeriod = heartbeatPeriod;
        this.heartbeats = heartbeats;
        this.journaledHeartbeats = Set.copyOf(journaledHeartbeats);
        this.registry = registry;
        this.events = events;
        this.downlink = downlink;
        this.ownership = ownership;
        this.clock = clock;
        this.cardSwipeAccountStatus = cardSwipeAccountStatus;
        this.offlineAfter = offlineAfter;
    }

    /** Sets the {@link #KIND} header the route dispatches on. */
    public void classify(Exchange exchange) {
        Object body = exchange.getMessage().getBody();
        String kind;
        if (body instanceof Inbound.Frame in) {
            Command command = Command.of(in.frame().command());
            if (in.payload() instanceof Payload.Unparsed) {
                kind = "unknown";
            } else if (command.isServerCommand()) {
                kind = "command_ack";
            } else {
                kind = command.shortName();
            }
        } else if (body instanceof Inbound.Iccid) {
            kind = "iccid";
        } else if (body instanceof Inbound.Link) {
            kind = "link";
        } else if (body instanceof ConnectionClosed) {
            kind = "connection_closed";
        } else {
            throw new IllegalArgumentException("Not a device message: " + body);
        }
        exchange.getMessage().setHeader(KIND, kind);
    }

    public EventBatch onIccid(Inbound.Iccid iccid, Exchange exchange) {
        DeviceRegistry.Connection connection = connection(exchange);
        registry.setIccid(connection, iccid.iccid());
        LOG.debug("Connection {} from {} has ICCID {}", connection.id(), connection.remoteAddress(), iccid.iccid());
        return EventBatch.EMPTY;
    }

    /** {@code link} only keeps the carrier's NAT open; the connection handler has already seen the traffic. */
    public EventBatch onLink(Inbound.Link link) {
        return EventBatch.EMPTY;
    }

    /**
     * A registration that brings the device online is stored first, so that its {@code device_online} names the
     * type and firmware it just sent; a new registration is remembered in Redis for the next connections.
     */
    public EventBatch onRegister(Inbound.Frame in, Exchange exchange) {
        DeviceRegistry.Connection connection = connection(exchange);
        Payload.Register registration = (Payload.Register) in.payload();
        DeviceRegistry.Arrival arrival = registry.arrive(connection, in.frame().physicalId(), clock.millis());
        boolean news = registry.register(arrival.device(), registration);
        List<DeviceEvent> out = new ArrayList<>();
        if (arrival.cameOnline()) {
            out.add(cameOnline(arrival.device(), connection, in.frame()));
        }
        if (news) {
            Integer observed = arrival.device().heartbeatPeriodSeconds();
            out.add(events.register(connection, in.frame(), registration,
                    observed != null ? observed : heartbeatPeriod.toSeconds(),
                    observed != null ? "observed" : "configured"));
            bestEffort(() -> profiles.remember(in.frame().physicalId(), DeviceProfiles.Profile.of(registration)));
        }
        reply(exchange, ServerCommands.ok(in.frame()));
        return EventBatch.of(out);
    }

    /**
     * 0x21 is always answered; 0x01 only until the device has shown it speaks 0x21, since the vendor says to
     * answer one style, never both. Every heartbeat goes into the audit's hourly summary; one that changed nothing
     * (no port change, no device_online) makes no event unless a webhook endpoint subscribes to it.
     */
    public EventBatch onHeartbeat(Inbound.Frame in, Exchange exchange) {
        DeviceRegistry.Connection connection = connection(exchange);
        List<DeviceEvent> out = arrive(connection, in.frame());
        DeviceRegistry.Device device = registry.device(in.frame().physicalId());
        boolean newStyle = in.payload() instanceof Payload.Heartbeat;
        List<Payload.PortReading> ports = newStyle ? ((Payload.Heartbeat) in.payload()).ports()
                : ((Payload.OldHeartbeat) in.payload()).ports();
        List<DeviceRegistry.PortChange> changes = registry.updatePorts(device, ports, newStyle, clock.millis());
        boolean unchanged = out.isEmpty() && changes.isEmpty();
        heartbeats.record(in.frame().physicalId(), clock.millis(), in.payload(), unchanged);
        if (newStyle || !device.sendsNewHeartbeat()) {
            reply(exchange, ServerCommands.ok(in.frame()));
        }
        if (unchanged) {
            return journaledHeartbeats.contains(EventType.DEVICE_HEARTBEAT.wireName())
                    ? EventBatch.summarized(events.heartbeat(connection, in.frame(), in.payload())) : EventBatch.EMPTY;
        }
        out.add(events.heartbeat(connection, in.frame(), in.payload()));
        for (DeviceRegistry.PortChange change : changes) {
            out.add(events.portChanged(connection, in.frame(), change));
        }
        return EventBatch.telemetry(out);
    }

    public EventBatch onTimeRequest(Inbound.Frame in, Exchange exchange) {
        List<DeviceEvent> out = arrive(connection(exchange), in.frame());
        reply(exchange, ServerCommands.time(in.frame(), clock.millis() / 1000));
        return EventBatch.of(out);
    }

    /**
     * A settlement is acked only once its events are in the journal. A retransmitted one (same device, port,
     * order) is acked again but written once.
     */
    public EventBatch onSettlement(Inbound.Frame in, Exchange exchange) {
        DeviceRegistry.Connection connection = connection(exchange);
        List<DeviceEvent> always = arrive(connection, in.frame());
        Payload.Settlement settlement = (Payload.Settlement) in.payload();
        DeviceRegistry.Device device = registry.device(in.frame().physicalId());
        portChosen(device, settlement.order().text(), settlement.port()).ifPresent(always::add);
        registry.orderEnded(device, settlement.port(), settlement.order().text());
        reply(exchange, ServerCommands.ok(in.frame()));
        return EventBatch.once(always, events.settlement(connection, in.frame(), settlement, tariffs),
                DeviceEvents.settlementKey(in.frame().deviceId(), settlement));
    }

    public EventBatch onPowerHeartbeat(Inbound.Frame in, Exchange exchange) {
        DeviceRegistry.Connection connection = connection(exchange);
        List<DeviceEvent> out = arrive(connection, in.frame());
        Payload.PowerHeartbeat power = (Payload.PowerHeartbeat) in.payload();
        DeviceRegistry.Device device = registry.device(in.frame().physicalId());
        portChosen(device, power.order().text(), power.port()).ifPresent(out::add);
        if (power.isCharging()) {
            registry.orderStarted(device, power.port(), power.order().text());
        }
        out.addAll(events.power(connection, in.frame(), power));
        return EventBatch.telemetry(out);
    }

    /** The gateway keeps no card accounts: it answers with the configured account status and reports the swipe. */
    public EventBatch onCardSwipe(Inbound.Frame in, Exchange exchange) {
        Payload.CardSwipe swipe = (Payload.CardSwipe) in.payload();
        reply(exchange, ServerCommands.cardSwipeReply(in.frame(), swipe, cardSwipeAccountStatus, 0, 0));
        return report(EventType.CARD_SWIPE, in, exchange, swipe.isBalanceQuery() ? null : swipe.port());
    }

    public EventBatch onOrderConfirm(Inbound.Frame in, Exchange exchange) {
        Payload.OrderConfirm confirm = (Payload.OrderConfirm) in.payload();
        reply(exchange, ServerCommands.orderConfirmReply(in.frame(), confirm.port(), ServerCommands.OK));
        return report(EventType.ORDER_CONFIRM, in, exchange, confirm.port());
    }

    public EventBatch onHostUpgradeRequest(Inbound.Frame in, Exchange exchange) {
        reply(exchange, ServerCommands.hostUpgradeReply(in.frame(), ServerCommands.OK));
        return report(EventType.UPGRADE_REQUEST, in, exchange, null);
    }

    /** Messages that get no reply and are reported as one event each (0x05, 0x11, 0x17, 0x35, 0x3B, 0x41-0x44). */
    public EventBatch onReport(Inbound.Frame in, Exchange exchange) {
        Integer port = null;
        EventType type = switch (in.frame().command()) {
            case 0x05 -> EventType.UPGRADE_REQUEST;
            case 0x11 -> EventType.HOST_HEARTBEAT;
            case 0x17 -> EventType.HOST_STATUS;
            case 0x35 -> EventType.SLAVE_VERSIONS;
            case 0x3B -> EventType.FSK_PARAMS_REQUEST;
            case 0x41 -> EventType.CABINET_HEARTBEAT;
            case 0x42 -> EventType.ALARM;
            case 0x43 -> EventType.CABINET_CHARGE_FINISHED;
            case 0x44 -> EventType.PORT_PUSH;
            default -> throw new IllegalArgumentException("not a report: " + in.frame());
        };
        if (in.payload() instanceof Payload.HostHeartbeat host) {
            return onHostHeartbeat(in, host, exchange);
        }
        if (in.payload() instanceof Payload.PortPush push) {
            port = push.port();
        } else if (in.payload() instanceof Payload.CabinetChargeFinished finished) {
            port = finished.record().port();
        }
        return report(type, in, exchange, port);
    }

    /**
     * The device's answer to a server command, matched to the command it answers. The server never answers it
     * (reference 1.10, section 7). A start or stop answer becomes {@code charging_start}, {@code charging_failed},
     * {@code charging_stopped} or {@code charging_stop_failed}; others, and answers no command waits for any more,
     * a {@code command_ack}.
     */
    public EventBatch onCommandAck(Inbound.Frame in, Exchange exchange) {
        Optional<Downlink.Outcome> outcome = downlink.acknowledge(in);
        if (outcome.isPresent() && outcome.get().context() instanceof ChargeRequest request
                && in.payload() instanceof Payload.ChargeControlAck answer) {
            DeviceRegistry.Connection connection = connection(exchange);
            List<DeviceEvent> out = arrive(connection, in.frame());
            DeviceRegistry.Device device = registry.device(in.frame().physicalId());
            int port = chosenPort(request, answer);
            if (request.start()) {
                boolean executed = answer.result() == 0 || answer.result() == 3 || answer.result() == 9;
                if (executed && port != Units.ANY_PORT) {
                    registry.orderStarted(device, port, request.orderNo());
                }
                DeviceEvent answered = events.chargeStartAnswer(connection, in.frame(), request, answer, port);
                if (answer.result() == 0 && port == Units.ANY_PORT) {
                    // the ack did not say which port the device chose: its first 0x06 or 0x03 of the order will
                    registry.awaitPort(device, request.orderNo(), answered);
                } else {
                    out.add(answered);
                }
            } else {
                if (answer.result() == 0 || answer.result() == 2) {
                    registry.orderEnded(device, port, request.orderNo());
                }
                out.add(events.chargeStopAnswer(connection, in.frame(), request, answer, port));
            }
            return EventBatch.of(out);
        }
        Integer port = in.payload() instanceof Payload.ChargeControlAck ack ? ack.port() : null;
        return report(EventType.COMMAND_ACK, in, exchange, port);
    }

    /**
     * The port a 0x82 answer is about: the one the ack names (for a start on 255, the port the device chose), else
     * the one asked for; still {@link Units#ANY_PORT} when a start on 255 got an ack without a port.
     */
    public static int chosenPort(ChargeRequest request, Payload.ChargeControlAck answer) {
        return answer.port() != null && answer.port() != Units.ANY_PORT ? answer.port() : request.port();
    }

    /**
     * A command the reference does not describe, one too short for its command, or one the route has no step
     * for: kept raw, not answered.
     */
    public EventBatch onUnknown(Inbound.Frame in, Exchange exchange) {
        DeviceRegistry.Connection connection = connection(exchange);
        List<DeviceEvent> out = arrive(connection, in.frame());
        Map<String, Object> data = DeviceEvents.data();
        data.put("command", Command.hex(in.frame().command()));
        data.put("message_id", in.frame().messageId());
        data.put("reason", in.payload() instanceof Payload.Unparsed unparsed ? unparsed.reason()
                : "no handling step for " + exchange.getMessage().getHeader(KIND));
        data.put("data_hex", HexFormat.of().withUpperCase().formatHex(in.frame().data()));
        out.add(events.of(EventType.UNKNOWN_FRAME, connection, in.frame(), null, data));
        return EventBatch.of(out);
    }

    /** The devices that were still on a closed connection go offline. */
    public EventBatch onConnectionClosed(ConnectionClosed closed, Exchange exchange) {
        DeviceRegistry.Connection connection = connection(exchange);
        List<DeviceEvent> out = new ArrayList<>();
        for (DeviceRegistry.Device device : registry.close(connection)) {
            out.add(events.offline(device, connection, "connection_lost"));
            bestEffort(() -> ownership.release(device.physicalId()));
        }
        LOG.debug("Connection {} from {} closed ({}); {} devices went offline", connection.id(),
                connection.remoteAddress(), closed.reason(), out.size());
        return EventBatch.of(out);
    }

    /**
     * Devices silent for longer than the offline limit go offline, while their connection may live on; the
     * devices still online here renew their claim in Redis.
     */
    public EventBatch sweepOffline() {
        List<DeviceEvent> out = new ArrayList<>();
        for (DeviceRegistry.Device device : registry.sweep(clock.millis(), offlineAfter.toMillis())) {
            out.add(events.offline(device, device.connection(), "heartbeat_timeout"));
            bestEffort(() -> ownership.release(device.physicalId()));
        }
        List<Integer> online = registry.devices().stream().filter(DeviceRegistry.Device::isOnline)
                .map(DeviceRegistry.Device::physicalId).toList();
        bestEffort(() -> ownership.refresh(online));
        return EventBatch.of(out);
    }

    /** The {@code charging_start} of a start on port 255 that waited for this first frame naming its port. */
    private Optional<DeviceEvent> portChosen(DeviceRegistry.Device device, String order, int port) {
        return registry.portChosen(device, order).map(started -> DeviceEvents.onPort(started, port));
    }

    /** Ownership is for other nodes' commands; a Redis hiccup must not cost a device its reply. */
    private static void bestEffort(Runnable redisCall) {
        try {
            redisCall.run();
        } catch (JedisException e) {
            LOG.debug("Device ownership not updated in Redis: {}", e.getMessage());
        }
    }

    /** A 0x11 host heartbeat is summarized like the others; it is an event only when it is news (see onHeartbeat). */
    private EventBatch onHostHeartbeat(Inbound.Frame in, Payload.HostHeartbeat host, Exchange exchange) {
        DeviceRegistry.Connection connection = connection(exchange);
        if (connection.iccid() == null) {
            registry.setIccid(connection, host.iccid());
        }
        List<DeviceEvent> out = arrive(connection, in.frame());
        heartbeats.record(in.frame().physicalId(), clock.millis(), host, out.isEmpty());
        if (out.isEmpty()) {
            return journaledHeartbeats.contains(EventType.HOST_HEARTBEAT.wireName())
                    ? EventBatch.summarized(reportEvent(EventType.HOST_HEARTBEAT, in, connection, null))
                    : EventBatch.EMPTY;
        }
        out.add(reportEvent(EventType.HOST_HEARTBEAT, in, connection, null));
        return EventBatch.of(out);
    }

    private EventBatch report(EventType type, Inbound.Frame in, Exchange exchange, Integer port) {
        DeviceRegistry.Connection connection = connection(exchange);
        List<DeviceEvent> out = arrive(connection, in.frame());
        out.add(reportEvent(type, in, connection, port));
        return EventBatch.of(out);
    }

    private DeviceEvent reportEvent(EventType type, Inbound.Frame in, DeviceRegistry.Connection connection,
                                    Integer port) {
        // the gateway's own events (not in the contract) carry the payload's fields, named with their units
        Map<String, Object> data = EventJson.payloadFields(in.payload());
        data.put("command", Command.hex(in.frame().command()));
        data.put("message_id", in.frame().messageId());
        return events.of(type, connection, in.frame(), port, data);
    }

    /** Records that the frame's device is here; a {@code device_online} when it was not before. */
    private List<DeviceEvent> arrive(DeviceRegistry.Connection connection, DnyFrame frame) {
        List<DeviceEvent> out = new ArrayList<>();
        DeviceRegistry.Arrival arrival = registry.arrive(connection, frame.physicalId(), clock.millis());
        if (arrival.cameOnline()) {
            out.add(cameOnline(arrival.device(), connection, frame));
        }
        return out;
    }

    /** The device's {@code device_online}, with its registration's type and firmware when they are known. */
    private DeviceEvent cameOnline(DeviceRegistry.Device device, DeviceRegistry.Connection connection,
                                   DnyFrame frame) {
        Payload.Register registration = device.registration();
        DeviceProfiles.Profile profile = registration != null ? DeviceProfiles.Profile.of(registration)
                : recallProfile(frame.physicalId());
        bestEffort(() -> ownership.claim(frame.physicalId()));
        return events.online(device, connection, frame, profile);
    }

    /** A Redis hiccup costs the online event its type and firmware, not the device its reply. */
    private DeviceProfiles.Profile recallProfile(int physicalId) {
        try {
            return profiles.recall(physicalId).orElse(null);
        } catch (JedisException e) {
            LOG.debug("Device profile not read from Redis: {}", e.getMessage());
            return null;
        }
    }

    private static void reply(Exchange exchange, DnyFrame reply) {
        exchange.setProperty(REPLY, reply);
    }

    private static DeviceRegistry.Connection connection(Exchange exchange) {
        ChannelHandlerContext ctx = exchange.getMessage().getHeader(NettyConstants.NETTY_CHANNEL_HANDLER_CONTEXT,
                ChannelHandlerContext.class);
        return DeviceRegistry.connectionOf(ctx.channel());
    }
}
