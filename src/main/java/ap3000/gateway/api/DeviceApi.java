package ap3000.gateway.api;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.Header;

import ap3000.gateway.device.DeviceRegistry;
import ap3000.gateway.device.Downlink;
import ap3000.gateway.event.EventJournal;
import ap3000.gateway.protocol.Command;
import ap3000.gateway.protocol.Descriptions;
import ap3000.gateway.protocol.DeviceIds;
import ap3000.gateway.protocol.DeviceParameters;
import ap3000.gateway.protocol.Payload;
import ap3000.gateway.protocol.ProtocolErrors;
import ap3000.gateway.protocol.ServerCommands;

/**
 * Devices: list and status (IoT-Zinx's {@code GET /devices}, {@code /device/{id}/status}), locate (0x96),
 * reboot (0x87), and the parameter blocks 0x83/0x84/0x85 with their queries 0x90/0x91/0x92.
 */
public class DeviceApi {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Parameter blocks by the name used in the path. */
    private enum Block {
        RUN1(DeviceParameters.RunParams1.class, Command.QUERY_RUN_PARAMS_1),
        RUN2(DeviceParameters.RunParams2.class, Command.QUERY_RUN_PARAMS_2),
        LIMITS(DeviceParameters.ChargeLimits.class, Command.QUERY_LIMITS);

        private final Class<? extends DeviceParameters> type;
        private final Command query;

        Block(Class<? extends DeviceParameters> type, Command query) {
            this.type = type;
            this.query = query;
        }

        static Block of(String name) {
            for (Block b : values()) {
                if (b.name().equalsIgnoreCase(name)) {
                    return b;
                }
            }
            throw ApiException.badRequest("block", "must be run1, run2 or limits");
        }
    }

    private final DeviceRegistry registry;
    private final Downlink downlink;
    private final EventJournal journal;
    private final ProtocolErrors protocolErrors;
    private final Duration answerWithin;

    public DeviceApi(DeviceRegistry registry, Downlink downlink, EventJournal journal, ProtocolErrors protocolErrors,
                     Duration answerWithin) {
        this.registry = registry;
        this.downlink = downlink;
        this.journal = journal;
        this.protocolErrors = protocolErrors;
        this.answerWithin = answerWithin;
    }

    public ApiResponse locate(@Body Object body, Exchange exchange) {
        RequestBody request = RequestBody.parse(body);
        int physicalId = request.deviceId("deviceId");
        int seconds = request.integer("locateTime", 1, 255);
        QueryParams.requireConnected(downlink, physicalId);
        return DeviceCommandAnswers.await(exchange, downlink.send(physicalId,
                id -> ServerCommands.locate(physicalId, id, seconds), null), answerWithin,
                DeviceCommandAnswers::resultOnly);
    }

    public ApiResponse reboot(@Body Object body, Exchange exchange) {
        int physicalId = RequestBody.parse(body).deviceId("deviceId");
        QueryParams.requireConnected(downlink, physicalId);
        return DeviceCommandAnswers.await(exchange, downlink.send(physicalId,
                id -> ServerCommands.withoutData(physicalId, id, Command.REBOOT), null), answerWithin,
                DeviceCommandAnswers::resultOnly);
    }

    /** Reads a parameter block from the device (0x90 / 0x91 / 0x92). */
    public ApiResponse queryParameters(@Header("deviceId") String deviceId, @Header("block") String blockName,
                                       Exchange exchange) {
        int physicalId = QueryParams.deviceId(deviceId);
        Block block = Block.of(blockName);
        QueryParams.requireConnected(downlink, physicalId);
        return DeviceCommandAnswers.await(exchange, downlink.send(physicalId,
                id -> ServerCommands.withoutData(physicalId, id, block.query), null), answerWithin, outcome -> {
                    Map<String, Object> data = DeviceCommandAnswers.sent(outcome);
                    if (outcome.ack().payload() instanceof Payload.ParametersAck ack) {
                        data.put("parameters", JSON.convertValue(ack.parameters(),
                                new TypeReference<Map<String, Object>>() {
                                }));
                    } else {
                        data.put("parameters", null);
                        data.put("reason", "the device's answer was too short for the " + blockName + " block");
                    }
                    return data;
                });
    }

    /** Writes a parameter block (0x83 / 0x84 / 0x85); every field of the block is required. */
    public ApiResponse setParameters(@Header("deviceId") String deviceId, @Header("block") String blockName,
                                     @Body Object body, Exchange exchange) {
        int physicalId = QueryParams.deviceId(deviceId);
        Block block = Block.of(blockName);
        DeviceParameters parameters = parameters(block, body);
        QueryParams.requireConnected(downlink, physicalId);
        return DeviceCommandAnswers.await(exchange, downlink.send(physicalId,
                id -> ServerCommands.setParameters(physicalId, id, parameters), null), answerWithin,
                DeviceCommandAnswers::resultOnly);
    }

    /** Online devices, paged (IoT-Zinx: {@code page} from 1, {@code limit}). */
    public ApiResponse devices(@Header("page") String page, @Header("limit") String limit) {
        int pageNo = QueryParams.number("page", page, 1, 1, Integer.MAX_VALUE);
        int size = QueryParams.number("limit", limit, 50, 1, 1000);
        List<DeviceRegistry.Device> online = registry.devices().stream().filter(DeviceRegistry.Device::isOnline)
                .sorted(Comparator.comparing(DeviceRegistry.Device::deviceId)).toList();
        List<Map<String, Object>> items = new ArrayList<>();
        online.stream().skip((long) (pageNo - 1) * size).limit(size).forEach(d -> items.add(describe(d)));
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("total", online.size());
        data.put("page", pageNo);
        data.put("limit", size);
        data.put("devices", items);
        return ApiResponse.ok(data);
    }

    public ApiResponse status(@Header("deviceId") String deviceId) {
        int physicalId = QueryParams.deviceId(deviceId);
        DeviceRegistry.Device device = registry.device(physicalId);
        if (device == null || !device.isOnline()) {
            throw ApiException.notFound("device " + DeviceIds.format(physicalId) + " is "
                    + (device == null ? "unknown" : "offline"));
        }
        return ApiResponse.ok(describe(device));
    }

    public ApiResponse stats() {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("connections", registry.connectionCount());
        data.put("devices_online", registry.onlineCount());
        data.put("devices_known", registry.devices().size());
        Map<String, Object> errors = new LinkedHashMap<>();
        for (ProtocolErrors.Kind kind : ProtocolErrors.Kind.values()) {
            errors.put(kind.name().toLowerCase(), protocolErrors.count(kind));
        }
        data.put("protocol_errors", errors);
        Map<String, Object> events = new LinkedHashMap<>();
        events.put("accepted", journal.acceptedCount());
        events.put("duplicate_settlements", journal.duplicateCount());
        events.put("waiting_in_memory", journal.backlogSize());
        events.put("dropped", journal.droppedCount());
        data.put("events", events);
        return ApiResponse.ok(data);
    }

    private static Map<String, Object> describe(DeviceRegistry.Device device) {
        Map<String, Object> d = new LinkedHashMap<>();
        DeviceRegistry.Connection connection = device.connection();
        d.put("device_id", device.deviceId());
        d.put("printed_number", DeviceIds.printedNumber(device.physicalId()));
        d.put("online", device.isOnline());
        d.put("iccid", connection == null ? null : connection.iccid());
        d.put("conn_id", connection == null ? null : connection.id());
        d.put("remote_addr", connection == null ? null : connection.remoteAddress());
        d.put("online_since", device.onlineSinceMillis() / 1000);
        d.put("last_seen", device.lastSeenMillis() / 1000);
        Payload.Register registration = device.registration();
        if (registration != null) {
            d.put("firmware_version", Descriptions.firmwareVersion(registration.firmwareVersion()));
            d.put("device_type", registration.deviceType());
            d.put("port_count", registration.portCount());
        }
        List<Map<String, Object>> ports = new ArrayList<>();
        int count = registration != null ? registration.portCount() : 0;
        for (int port = 1; port <= Math.max(count, 16); port++) {
            Integer status = device.portStatus(port);
            if (status == null && port > count) {
                continue;
            }
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("port", port);
            p.put("status", status);
            p.put("status_desc", status == null ? "未知" : Descriptions.portStatus(status));
            p.put("order_no", device.activeOrder(port));
            ports.add(p);
        }
        d.put("ports", ports);
        return d;
    }

    /** Fields of a primitive type are required; the nullable ones (0x85's voltages) are optional. */
    private static DeviceParameters parameters(Block block, Object body) {
        RequestBody request = RequestBody.parse(body);
        for (var component : block.type.getRecordComponents()) {
            int max = DeviceParameters.ONE_BYTE_FIELDS.contains(component.getName()) ? 0xFF : 0xFFFF;
            if (component.getType().isPrimitive()) {
                request.integer(component.getName(), 0, max);
            } else if (component.getType() == Integer.class) {
                request.optionalInteger(component.getName(), 0, max);
            }
        }
        try {
            return JSON.convertValue(request.fields(), block.type);
        } catch (Exception e) {
            throw ApiException.badRequest("body", "every field of the " + block.name().toLowerCase()
                    + " block is required as a whole number: " + fieldsOf(block.type));
        }
    }

    private static String fieldsOf(Class<?> record) {
        List<String> names = new ArrayList<>();
        for (var component : record.getRecordComponents()) {
            names.add(component.getName());
        }
        return String.join(", ", names);
    }
}
