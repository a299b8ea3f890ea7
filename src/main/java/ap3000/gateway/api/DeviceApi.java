package ap3000.gateway.api;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.Header;

import ap3000.gateway.device.DeviceRegistry;
import ap3000.gateway.device.Downlink;
import ap3000.gateway.event.EventJournal;
import ap3000.gateway.event.EventJson;
import ap3000.gateway.protocol.Command;
import ap3000.gateway.protocol.Descriptions;
import ap3000.gateway.protocol.DeviceIds;
import ap3000.gateway.protocol.DeviceParameters;
import ap3000.gateway.protocol.Payload;
import ap3000.gateway.protocol.ProtocolErrors;
import ap3000.gateway.protocol.ServerCommands;

/**
 * Devices: list, status and query (IoT-Zinx's {@code GET /devices}, {@code /device/{id}/status},
 * {@code /device/{id}/query}), locate (0x96), statistics, reboot (0x87), and the parameter blocks 0x83/0x84/0x85 with
 * their queries 0x90/0x91/0x92. IoT-Zinx's paths answer as IoT-Zinx did ({@link IotZinx}) unless the caller asks for
 * {@code view=gateway}: paging, the snake_case detail with the node, and waiting for the device's ack.
 */
public class DeviceApi {

    private static final ObjectMapper JSON = EventJson.mapper();

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
    private final String node;
    private final Clock clock;

    /** @param node this gateway node's name, shown in the gateway's device detail */
    public DeviceApi(DeviceRegistry registry, Downlink downlink, EventJournal journal, ProtocolErrors protocolErrors,
                     Duration answerWithin, String node, Clock clock) {
        this.node = node;
        this.clock = clock;
        this.registry = registry;
        this.downlink = downlink;
        this.journal = journal;
        this.protocolErrors = protocolErrors;
        this.answerWithin = answerWithin;
    }

    public ApiResponse locate(@Body Object body, @Header(ApiView.PARAMETER) String view, Exchange exchange) {
        if (ApiView.of(view) == ApiView.IOT_ZINX) {
            return locateAsIotZinx(body);
        }
        LocateDevice request = LocateDevice.from(body);
        int physicalId = request.physicalId();
        int seconds = request.seconds();
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

    /**
     * Online devices. IoT-Zinx's answer (device_handlers.go HandleDeviceList) is every online device, unpaged:
     * {@code {devices, total, online, offline}}, offline counting the devices this node saw that are gone now;
     * {@code view=gateway} pages ({@code page} from 1, {@code limit} up to 1000) with the gateway's detail.
     */
    public ApiResponse devices(@Header("page") String page, @Header("limit") String limit,
                               @Header(ApiView.PARAMETER) String view) {
        ApiView answer = ApiView.of(view);
        List<DeviceRegistry.Device> known = registry.devices().stream()
                .sorted(Comparator.comparing(DeviceRegistry.Device::deviceId)).toList();
        List<DeviceRegistry.Device> online = known.stream().filter(DeviceRegistry.Device::isOnline).toList();
        Map<String, Object> data = new LinkedHashMap<>();
        if (answer == ApiView.IOT_ZINX) {
            Map<Long, Long> perConnection = devicesPerConnection(online);
            data.put("devices", online.stream().map(d -> IotZinx.device(d, groupSize(d, perConnection))).toList());
            data.put("total", online.size());
            data.put("online", online.size());
            data.put("offline", known.size() - online.size());
            return new ApiResponse(0, "成功", data);
        }
        int pageNo = QueryParams.number("page", page, 1, 1, Integer.MAX_VALUE);
        int size = QueryParams.number("limit", limit, 50, 1, 1000);
        List<Map<String, Object>> items = new ArrayList<>();
        online.stream().skip((long) (pageNo - 1) * size).limit(size).forEach(d -> items.add(describe(d)));
        data.put("total", online.size());
        data.put("page", pageNo);
        data.put("limit", size);
        data.put("devices", items);
        return ApiResponse.ok(data);
    }

    /**
     * One online device. IoT-Zinx (HandleDeviceStatus): 404 "设备不在线" with {@code {deviceId, standardId,
     * isOnline: false}} when it is not connected; {@code view=gateway}: the gateway's detail.
     */
    public ApiResponse status(@Header("deviceId") String deviceId, @Header(ApiView.PARAMETER) String view) {
        if (ApiView.of(view) == ApiView.GATEWAY) {
            return ApiResponse.ok(describe(online(QueryParams.deviceId(deviceId))));
        }
        int physicalId = IotZinx.physicalId(deviceId);
        DeviceRegistry.Device device = registry.device(physicalId);
        if (device == null || !device.isOnline()) {
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("deviceId", deviceId);
            data.put("standardId", DeviceIds.format(physicalId));
            data.put("isOnline", false);
            throw new ApiException(404, "设备不在线", data);
        }
        return new ApiResponse(0, "成功", iotZinxDetail(device));
    }

    /** IoT-Zinx's {@code /device/{id}/query} (HandleQueryDeviceStatus): the same detail, 404 "设备不存在或离线". */
    public ApiResponse query(@Header("deviceId") String deviceId, @Header(ApiView.PARAMETER) String view) {
        if (ApiView.of(view) == ApiView.GATEWAY) {
            return ApiResponse.ok(describe(online(QueryParams.deviceId(deviceId))));
        }
        DeviceRegistry.Device device = registry.device(IotZinx.physicalId(deviceId));
        if (device == null || !device.isOnline()) {
            throw new ApiException(404, "设备不存在或离线");
        }
        return new ApiResponse(0, "获取设备状态成功", iotZinxDetail(device));
    }

    /**
     * IoT-Zinx's statistics names (gateway_handlers.go HandleSystemStats, pkg/gateway/device_query.go); the
     * gateway's own (protocol errors, events) with {@code view=gateway}.
     */
    public ApiResponse stats(@Header(ApiView.PARAMETER) String view) {
        if (ApiView.of(view) == ApiView.GATEWAY) {
            return stats();
        }
        List<DeviceRegistry.Device> online = registry.devices().stream().filter(DeviceRegistry.Device::isOnline)
                .sorted(Comparator.comparing(DeviceRegistry.Device::deviceId)).toList();
        long now = clock.millis();
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("onlineDeviceCount", online.size());
        data.put("onlineDevices", online.stream().map(DeviceRegistry.Device::deviceId).toList());
        data.put("connectionCount", registry.connectionCount());
        data.put("groupCount", devicesPerConnection(online).size());
        data.put("totalDeviceCount", online.size());
        data.put("timestamp", now / 1000);
        data.put("formattedTime", IotZinx.time(now));
        return new ApiResponse(0, "获取统计信息成功", data);
    }

    private ApiResponse stats() {
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

    /** IoT-Zinx's locate (HandleDeviceLocate): answered once 0x96 is on its way; not connected is its 500. */
    private ApiResponse locateAsIotZinx(Object body) {
        LocateDevice request = LocateDevice.fromIotZinx(body);
        String given = request.deviceId();
        int seconds = request.seconds();
        int physicalId = request.physicalId();
        try {
            downlink.send(physicalId, id -> ServerCommands.locate(physicalId, id, seconds), null);
        } catch (Downlink.NotConnectedException e) {
            throw new ApiException(500, "发送定位命令失败: 设备不在线");
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("deviceId", given);
        data.put("standardId", DeviceIds.format(physicalId));
        data.put("action", "locate");
        data.put("locateTime", seconds);
        return new ApiResponse(0, "定位命令发送成功", data);
    }

    private DeviceRegistry.Device online(int physicalId) {
        DeviceRegistry.Device device = registry.device(physicalId);
        if (device == null || !device.isOnline()) {
            throw ApiException.notFound("device " + DeviceIds.format(physicalId) + " is "
                    + (device == null ? "unknown" : "offline"));
        }
        return device;
    }

    private Map<String, Object> iotZinxDetail(DeviceRegistry.Device device) {
        Map<Long, Long> perConnection = devicesPerConnection(registry.devices().stream()
                .filter(DeviceRegistry.Device::isOnline).toList());
        return IotZinx.device(device, groupSize(device, perConnection));
    }

    /** Online devices by connection ID: a host and its slaves share one (IoT-Zinx's device group). */
    private static Map<Long, Long> devicesPerConnection(List<DeviceRegistry.Device> online) {
        return online.stream().map(DeviceRegistry.Device::connection).filter(c -> c != null)
                .collect(Collectors.groupingBy(DeviceRegistry.Connection::id, Collectors.counting()));
    }

    private static int groupSize(DeviceRegistry.Device device, Map<Long, Long> perConnection) {
        DeviceRegistry.Connection connection = device.connection();
        return connection == null ? 1 : perConnection.getOrDefault(connection.id(), 1L).intValue();
    }

    private Map<String, Object> describe(DeviceRegistry.Device device) {
        Map<String, Object> d = new LinkedHashMap<>();
        DeviceRegistry.Connection connection = device.connection();
        d.put("device_id", device.deviceId());
        d.put("node", node);
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
        for (int port : device.shownPorts()) {
            Integer status = device.portStatus(port);
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
