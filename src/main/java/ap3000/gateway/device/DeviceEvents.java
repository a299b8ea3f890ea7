package ap3000.gateway.device;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import ap3000.gateway.billing.Tariffs;
import ap3000.gateway.event.DeviceEvent;
import ap3000.gateway.event.EventType;
import ap3000.gateway.protocol.Command;
import ap3000.gateway.protocol.Descriptions;
import ap3000.gateway.protocol.DeviceIds;
import ap3000.gateway.protocol.DnyFrame;
import ap3000.gateway.protocol.Payload;
import ap3000.gateway.protocol.Units;

/**
 * Turns what devices say into {@link DeviceEvent}s with the webhook contract's field names and units
 * ({@code shared/seeds/third-party-integration-examples.md}): power in W, energy in kWh, voltage in V,
 * current in A, times in Unix seconds except where the contract shows local date-time text.
 */
public class DeviceEvents {

    /** The 0x82 result "no response" (reference 3.2), also reported when the device never answered the command. */
    private static final int NO_RESPONSE = 0x0E;
    private static final DateTimeFormatter LOCAL_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private final Clock clock;
    private final ZoneId zone;
    private final String node;
    private final AtomicLong lastMicros = new AtomicLong();

    /**
     * @param zone the zone of the contract's date-time texts (charging_end start/end time)
     * @param node this gateway node's name, recorded on every event
     */
    public DeviceEvents(Clock clock, ZoneId zone, String node) {
        this.clock = clock;
        this.zone = zone;
        this.node = node;
    }

    /** @param profile what the device's registration said (this one's or a remembered one), null when unknown */
    public DeviceEvent online(DeviceRegistry.Device device, DeviceRegistry.Connection connection, DnyFrame frame,
                              DeviceProfiles.Profile profile) {
        Map<String, Object> data = data();
        data.put("conn_id", connection.id());
        data.put("remote_addr", connection.remoteAddress());
        data.put("connect_time", connection.connectedAtMillis() / 1000);
        data.put("iccid", connection.iccid());
        if (profile != null) {
            if (profile.deviceType() != null) {
                data.put("device_type", profile.deviceType());
            }
            data.put("firmware_version", profile.firmwareVersion());
        }
        return event(EventType.DEVICE_ONLINE, device.deviceId(), null, data, frame, connection);
    }

    /** @param reason {@code connection_lost} or {@code heartbeat_timeout} */
    public DeviceEvent offline(DeviceRegistry.Device device, DeviceRegistry.Connection connection, String reason) {
        long now = clock.millis();
        Map<String, Object> data = data();
        data.put("conn_id", connection == null ? null : connection.id());
        data.put("offline_reason", reason);
        data.put("last_heartbeat_time", device.lastSeenMillis() / 1000);
        data.put("offline_duration", (now - device.lastSeenMillis()) / 1000);
        data.put("connection_duration", connection == null ? null : (now - connection.connectedAtMillis()) / 1000);
        return event(EventType.DEVICE_OFFLINE, device.deviceId(), null, data, null, connection);
    }

    /**
     * @param heartbeatPeriodSeconds the 0x20 frame carries none: the period observed between the device's
     *                               heartbeats when known, else the configured one
     * @param periodSource           {@code observed} or {@code configured}
     */
    public DeviceEvent register(DeviceRegistry.Connection connection, DnyFrame frame, Payload.Register r,
                                long heartbeatPeriodSeconds, String periodSource) {
        Map<String, Object> data = data();
        data.put("physical_id", "0x" + frame.deviceId());
        data.put("physical_id_decimal", DeviceIds.printedNumber(frame.physicalId()));
        data.put("iccid", connection.iccid());
        data.put("device_version", Descriptions.firmwareVersion(r.firmwareVersion()));
        data.put("port_count", r.portCount());
        data.put("virtual_id", r.virtualId());
        data.put("device_type", r.deviceType());
        data.put("work_mode", r.workMode());
        data.put("power_board_version", r.powerBoardVersion());
        data.put("heartbeat_period", heartbeatPeriodSeconds);
        data.put("heartbeat_period_source", periodSource);
        return event(EventType.DEVICE_REGISTER, frame.deviceId(), null, data, frame, connection);
    }

    /** One event for a 0x21 or 0x01 heartbeat, with every port's status (and for 0x01 its power). */
    public DeviceEvent heartbeat(DeviceRegistry.Connection connection, DnyFrame frame, Payload payload) {
        Map<String, Object> data = data();
        List<Payload.PortReading> ports;
        if (payload instanceof Payload.Heartbeat hb) {
            ports = hb.ports();
            data.put("voltage", hb.voltageVolts());
            data.put("signal_strength", hb.signalStrength());
            data.put("temperature", hb.temperatureCelsius());
        } else {
            Payload.OldHeartbeat hb = (Payload.OldHeartbeat) payload;
            ports = hb.ports();
            data.put("voltage", hb.voltageVolts());
            data.put("signal_strength", hb.signalStrength());
            data.put("temperature", hb.temperatureCelsius());
            data.put("firmware_version", Descriptions.firmwareVersion(hb.firmwareVersion()));
            data.put("device_type", hb.deviceType());
            data.put("virtual_id", hb.virtualId());
        }
        data.put("port_count", ports.size());
        List<Map<String, Object>> statuses = new ArrayList<>();
        for (Payload.PortReading port : ports) {
            Map<String, Object> p = data();
            p.put("port", port.port());
            p.put("status", port.status());
            p.put("status_desc", Descriptions.portStatus(port.status()));
            if (port.powerWatts() != null) {
                p.put("power", port.powerWatts());
            }
            if (port.peakPowerWatts() != null) {
                p.put("peak_power", port.peakPowerWatts());
            }
            statuses.add(p);
        }
        data.put("port_statuses", statuses);
        data.put("command", Command.hex(frame.command()));
        return event(EventType.DEVICE_HEARTBEAT, frame.deviceId(), null, data, frame, connection);
    }

    public DeviceEvent portChanged(DeviceRegistry.Connection connection, DnyFrame frame,
                                   DeviceRegistry.PortChange change) {
        Map<String, Object> data = data();
        data.put("port_status", change.current());
        data.put("port_status_desc", Descriptions.portStatus(change.current()));
        data.put("previous_status", change.previous());
        data.put("previous_status_desc", change.previous() == null ? "未知" : Descriptions.portStatus(change.previous()));
        data.put("is_charging", Descriptions.isCharging(change.current()));
        data.put("fault_detected", Descriptions.isPortFault(change.current()));
        return event(EventType.PORT_HEARTBEAT, frame.deviceId(), change.port(), data, frame, connection);
    }

    /** A 0x06 power heartbeat gives the contract's {@code power_heartbeat} and {@code charging_power}. */
    public List<DeviceEvent> power(DeviceRegistry.Connection connection, DnyFrame frame, Payload.PowerHeartbeat p) {
        Map<String, Object> power = data();
        power.put("current_power", p.powerWatts());
        power.put("cumulative_energy", p.energyKwh());
        power.put("voltage", p.voltageVolts());
        power.put("current", p.currentAmps());
        power.put("charging_status", p.portStatus());
        power.put("charging_status_desc", Descriptions.chargingStatus(p.portStatus()));
        power.put("is_charging", p.isCharging());
        power.put("charge_duration", p.durationSeconds());
        power.put("order_id", p.order().text());
        power.put("max_power", p.maxPowerWatts());
        power.put("min_power", p.minPowerWatts());
        power.put("average_power", p.averagePowerWatts());
        power.put("peak_power", p.peakPowerWatts());
        power.put("start_mode", p.startMode());
        power.put("port_temperature", p.portTemperatureCelsius());
        power.put("ambient_temperature", p.ambientTemperatureCelsius());

        Map<String, Object> instant = data();
        instant.put("instant_power", p.powerWatts());
        instant.put("cumulative_energy", p.energyKwh());
        instant.put("charging_duration", p.durationSeconds());
        instant.put("voltage", p.voltageVolts());
        instant.put("current", p.currentAmps());
        instant.put("order_id", p.order().text());
        return List.of(
                event(EventType.POWER_HEARTBEAT, frame.deviceId(), p.port(), power, frame, connection),
                event(EventType.CHARGING_POWER, frame.deviceId(), p.port(), instant, frame, connection));
    }

    /**
     * A 0x03 settlement gives {@code charging_end} then {@code settlement}. Their IDs derive from device, port
     * and order, so a retransmitted settlement names the same events. The device's clock drifts (reference 7),
     * so end time is when the gateway received the record and start time is that minus the duration. The
     * device reports no money: the energy is priced by the order's tariff ({@link Tariffs}), fees 0 and
     * {@code tariff_applied: false} when there is none.
     */
    public List<DeviceEvent> settlement(DeviceRegistry.Connection connection, DnyFrame frame, Payload.Settlement s,
                                       Tariffs tariffs) {
        long end = clock.millis() / 1000;
        long start = end - s.durationSeconds();
        String order = s.order().text();
        Tariffs.Priced priced = tariffs.price(frame.deviceId(), order, s.energyKwh(), Instant.ofEpochSecond(start),
                Instant.ofEpochSecond(end));

        Map<String, Object> ended = data();
        ended.put("order_id", order);
        ended.put("total_energy", s.energyKwh());
        ended.put("charge_duration", s.durationSeconds());
        ended.put("start_time", localTime(start));
        ended.put("end_time", localTime(end));
        ended.put("stop_reason", s.stopReason());
        ended.put("stop_reason_desc", Descriptions.stopReason(s.stopReason()));
        ended.put("max_power", s.maxPowerWatts());
        ended.put("start_mode", s.startMode());

        Map<String, Object> settled = data();
        settled.put("order_id", order);
        settled.put("card_number", s.cardId());
        settled.put("total_energy", s.energyKwh());
        settled.put("total_fee", priced.fees().totalFen());
        settled.put("charge_fee", priced.fees().chargeFen());
        settled.put("service_fee", priced.fees().serviceFen());
        settled.put("tariff_applied", priced.fees().tariffApplied());
        settled.put("tariff_source", priced.source());
        settled.put("start_time", start);
        settled.put("end_time", end);
        settled.put("settlement_type", settlementType(s.startMode()));
        settled.put("charge_duration", s.durationSeconds());
        settled.put("stop_reason", s.stopReason());
        settled.put("stop_reason_desc", Descriptions.stopReason(s.stopReason()));
        settled.put("max_power", s.maxPowerWatts());
        settled.put("second_max_power", s.secondMaxPowerWatts());
        settled.put("device_time", s.deviceTime());

        String key = settlementKey(frame.deviceId(), s);
        return List.of(
                event(stableId("charging_end", key), EventType.CHARGING_END, frame.deviceId(), s.port(), ended, frame,
                        connection),
                event(stableId("settlement", key), EventType.SETTLEMENT, frame.deviceId(), s.port(), settled, frame,
                        connection));
    }

    /**
     * The device's answer to a 0x82 start: {@code charging_start} for result 0, else {@code charging_failed}
     * with the result's meaning. Results 3 (port fault) and 9 (relay stuck) are failures the device still
     * executed: {@code executed} says so. {@code port} is the one the device chose for a start on port 255
     * ({@link DeviceIngress#chosenPort}).
     */
    public DeviceEvent chargeStartAnswer(DeviceRegistry.Connection connection, DnyFrame ack, ChargeRequest request,
                                         Payload.ChargeControlAck answer, int port) {
        long now = clock.millis() / 1000;
        Map<String, Object> data = data();
        data.put("order_number", request.orderNo());
        data.put("response_code", answer.result());
        data.put("status_desc", answer.result() == 0 ? "充电开始成功" : Descriptions.chargeResult(answer.result()));
        data.put("message_id", ack.messageId());
        if (answer.result() == 0) {
            data.put("start_time", now);
            return event(EventType.CHARGING_START, ack.deviceId(), port, data, ack, connection);
        }
        data.put("failure_reason", Descriptions.chargeResult(answer.result()));
        data.put("error_code", answer.result());
        data.put("executed", answer.result() == 3 || answer.result() == 9);
        data.put("failed_time", now);
        return event(EventType.CHARGING_FAILED, ack.deviceId(), port, data, ack, connection);
    }

    /**
     * The device's answer to a 0x82 stop: {@code charging_stopped} for result 0, or 2 ("already in that state",
     * the port is stopped too); any other result is a refusal, {@code charging_stop_failed}.
     */
    public DeviceEvent chargeStopAnswer(DeviceRegistry.Connection connection, DnyFrame ack, ChargeRequest request,
                                        Payload.ChargeControlAck answer, int port) {
        long now = clock.millis() / 1000;
        Map<String, Object> data = data();
        data.put("order_number", request.orderNo());
        data.put("response_code", answer.result());
        data.put("status_desc", Descriptions.chargeResult(answer.result()));
        data.put("message_id", ack.messageId());
        if (answer.result() == 0 || answer.result() == 2) {
            data.put("stopped", true);
            data.put("stop_time", now);
            return event(EventType.CHARGING_STOPPED, ack.deviceId(), port, data, ack, connection);
        }
        data.put("failure_reason", Descriptions.chargeResult(answer.result()));
        data.put("error_code", answer.result());
        data.put("timed_out", false);
        data.put("failed_time", now);
        return event(EventType.CHARGING_STOP_FAILED, ack.deviceId(), port, data, ack, connection);
    }

    /**
     * A start or stop the device never answered, not even the resend. A start becomes {@code charging_failed}
     * with the contract's numeric codes: 14 (0x0E, "未响应", reference 3.2); a stop becomes
     * {@code charging_stop_failed}, since the order may still be charging. {@code timed_out} says the device
     * was silent.
     */
    public DeviceEvent chargeNoResponse(DnyFrame command, ChargeRequest request, int attempts) {
        Map<String, Object> data = data();
        data.put("order_number", request.orderNo());
        data.put("response_code", NO_RESPONSE);
        data.put("status_desc", Descriptions.chargeResult(NO_RESPONSE));
        data.put("failure_reason", Descriptions.chargeResult(NO_RESPONSE));
        data.put("error_code", NO_RESPONSE);
        if (request.start()) {
            data.put("executed", false);
        }
        data.put("timed_out", true);
        data.put("attempts", attempts);
        data.put("failed_time", clock.millis() / 1000);
        EventType type = request.start() ? EventType.CHARGING_FAILED : EventType.CHARGING_STOP_FAILED;
        DeviceEvent e = event(type, command.deviceId(), request.port(), data, null, null);
        return new DeviceEvent(e.eventId(), e.eventType(), e.deviceId(), e.portNumber(), e.timestamp(), e.data(),
                e.occurredAtMicros(), command.toHex(), "out", null, e.node());
    }

    /**
     * A 0x82 start or stop command as it goes out to the device, once per attempt (a resend is recorded again):
     * {@code charging_command} with the command frame, direction "out". A start on port 255 names no port yet
     * (the device has not chosen): {@code requested_port} says what was sent.
     */
    public DeviceEvent chargeCommand(DnyFrame command, ChargeRequest request, int attempt,
                                     DeviceRegistry.Connection connection) {
        Map<String, Object> data = data();
        data.put("order_number", request.orderNo());
        data.put("command", request.start() ? "start" : "stop");
        data.put("message_id", command.messageId());
        data.put("attempt", attempt);
        data.put("requested_port", request.port());
        Integer port = request.port() == Units.ANY_PORT ? null : request.port();
        DeviceEvent e = event(EventType.CHARGING_COMMAND, command.deviceId(), port, data, null, connection);
        return new DeviceEvent(e.eventId(), e.eventType(), e.deviceId(), e.portNumber(), e.timestamp(), e.data(),
                e.occurredAtMicros(), command.toHex(), "out", e.connectionId(), e.node());
    }

    /** The same event on the port a start on port 255 turned out to use (its ID, time and data unchanged). */
    public static DeviceEvent onPort(DeviceEvent e, int port) {
        return new DeviceEvent(e.eventId(), e.eventType(), e.deviceId(), port, e.timestamp(), e.data(),
                e.occurredAtMicros(), e.frameHex(), e.direction(), e.connectionId(), e.node());
    }

    /** The identity of a settlement record: the device repeats it until acked, with the same device, port, order. */
    public static String settlementKey(String deviceId, Payload.Settlement s) {
        return "settlement:" + deviceId + ":" + s.port() + ":" + s.order().text();
    }

    /** Any other device message: the event's data is given by the caller. */
    public DeviceEvent of(EventType type, DeviceRegistry.Connection connection, DnyFrame frame, Integer port,
                          Map<String, Object> data) {
        return event(type, frame.deviceId(), port, data, frame, connection);
    }

    /** A new map for an event's data; keeps the fields in the order they were put. */
    public static Map<String, Object> data() {
        return new LinkedHashMap<>();
    }

    private static String settlementType(int startMode) {
        return switch (startMode) {
            case 1 -> "normal";
            case 0 -> "offline_card";
            case 3 -> "verification_code";
            default -> "unknown";
        };
    }

    /**
     * Now in microseconds, strictly increasing: several events of one frame happen "at once" yet must keep their
     * order. Only past a million events a second would this run ahead of the clock.
     */
    private long nextMicros() {
        Instant now = clock.instant();
        long micros = now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
        return lastMicros.accumulateAndGet(micros, (last, candidate) -> Math.max(last + 1, candidate));
    }

    private String localTime(long epochSeconds) {
        return LOCAL_TIME.format(Instant.ofEpochSecond(epochSeconds).atZone(zone));
    }

    private static String stableId(String type, String key) {
        return UUID.nameUUIDFromBytes((type + "|" + key).getBytes(StandardCharsets.UTF_8)).toString();
    }

    private DeviceEvent event(EventType type, String deviceId, Integer port, Map<String, Object> data,
                              DnyFrame frame, DeviceRegistry.Connection connection) {
        return event(UUID.randomUUID().toString(), type, deviceId, port, data, frame, connection);
    }

    private DeviceEvent event(String id, EventType type, String deviceId, Integer port, Map<String, Object> data,
                              DnyFrame frame, DeviceRegistry.Connection connection) {
        long micros = nextMicros();
        return new DeviceEvent(id, type.wireName(), deviceId, port, micros / 1_000_000, data, micros,
                frame == null ? null : frame.toHex(), frame == null ? null : "in",
                connection == null ? null : connection.id(), node);
    }
}
