package ap3000.gateway.api;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import ap3000.gateway.device.DeviceRegistry;
import ap3000.gateway.protocol.Descriptions;
import ap3000.gateway.protocol.DeviceIds;
import ap3000.gateway.protocol.Payload;

/**
 * IoT-Zinx's side of the API contract, as its handlers and models write it (taoyao-code/iot-zinx,
 * internal/adapter/http/): its refusals (a Chinese message, the field named in {@code data.error}), its device
 * detail (pkg/core/tcp_manager.go GetDeviceDetail) and its answer to a charging action (ChargingActionResponse).
 */
final class IotZinx {

    static final String ID_HINT = "支持格式: 十进制(10644723)、6位十六进制(A26CF3)、8位十六进制(04A26CF3)";
    /** IoT-Zinx's time format, in the server's zone as Go's time.Format writes it. */
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneId.systemDefault());

    private IotZinx() {
    }

    /** The JSON body, or IoT-Zinx's "参数错误" with what is wrong in {@code data.error}. */
    static RequestBody body(Object body) {
        return field(() -> RequestBody.parse(body));
    }

    /** Reads one field; a refusal becomes IoT-Zinx's "参数错误", naming the field in {@code data.error}. */
    static <T> T field(Supplier<T> read) {
        try {
            return read.get();
        } catch (ApiException e) {
            if (e.status() == 400 && e.data() == null) {
                throw new ApiException(400, "参数错误", Map.of("error", e.getMessage()));
            }
            throw e;
        }
    }

    /** A field IoT-Zinx checks by hand, refused with its own message ("设备ID不能为空", "订单号不能为空"). */
    static ApiException missing(String field, String message) {
        return new ApiException(400, message, Map.of("error", field + ": is required"));
    }

    /** The device ID as the platform wrote it; missing or blank is IoT-Zinx's "设备ID不能为空". */
    static String deviceIdText(RequestBody request) {
        Object value = request.fields().get("deviceId");
        if (value == null || value.toString().isBlank()) {
            throw missing("deviceId", "设备ID不能为空");
        }
        return value.toString();
    }

    /** The physical ID, by IoT-Zinx's rules ({@link DeviceIds#parse}), or its "DeviceID格式错误" with the hint. */
    static int physicalId(String text) {
        return DeviceIds.parse(text).orElseThrow(() -> {
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("hint", ID_HINT);
            data.put("error", "deviceId: must be 8 hex digits (04A228CD), 6 hex digits or the decimal number "
                    + "printed on the device");
            return new ApiException(400, "DeviceID格式错误: 无法识别的DeviceID格式：" + text.trim(), data);
        });
    }

    /** A 1-based port, required and not 0 ("端口号不能为0"); 255 lets the device choose. */
    static int port(RequestBody request) {
        Object value = request.fields().get("port");
        if (value == null || (value instanceof Number n && n.doubleValue() == 0)) {
            throw new ApiException(400, "端口号不能为0", Map.of("error", "port: is required, 1..255"));
        }
        return field(() -> request.integer("port", 1, 0xFF));
    }

    /**
     * IoT-Zinx's ChargingActionResponse, its zero values left out as Go's {@code omitempty} does.
     *
     * @param given the device ID as the platform wrote it (IoT-Zinx echoes it; {@code standardId} is the 8 hex digits)
     */
    static Map<String, Object> action(String given, int physicalId, int port, String orderNo, int mode, int value,
                                      long balance, int overloadPowerW, int maxChargeDurationSeconds, String action,
                                      Clock clock) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("deviceId", given);
        data.put("standardId", DeviceIds.format(physicalId));
        data.put("port", port);
        putUnlessEmpty(data, "orderNo", orderNo);
        putUnlessZero(data, "mode", mode);
        putUnlessZero(data, "value", value);
        putUnlessZero(data, "balance", balance);
        putUnlessZero(data, "overloadPowerW", overloadPowerW);
        putUnlessZero(data, "maxChargeDurationSeconds", maxChargeDurationSeconds);
        data.put("action", action);
        data.put("timestamp", clock.millis() / 1000);
        return data;
    }

    /**
     * One device as IoT-Zinx's GetDeviceDetail describes it, from what this node knows. Its last heartbeat is the
     * device's last frame; what the gateway does not track (the last command sent, when it registered, a session ID)
     * is left out rather than invented. {@code ports} is the gateway's addition.
     *
     * @param devicesOnConnection devices sharing its connection (host and slaves: IoT-Zinx's device group)
     */
    static Map<String, Object> device(DeviceRegistry.Device device, int devicesOnConnection) {
        DeviceRegistry.Connection connection = device.connection();
        Payload.Register registration = device.registration();
        int physicalId = device.physicalId();
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("deviceId", device.deviceId());
        d.put("physicalId", Integer.toUnsignedLong(physicalId));
        d.put("deviceNumber", DeviceIds.kind(physicalId) == DeviceIds.DEFAULT_KIND
                ? String.valueOf(DeviceIds.printedNumber(physicalId)) : Integer.toUnsignedString(physicalId));
        d.put("iccid", connection == null || connection.iccid() == null ? "" : connection.iccid());
        d.put("deviceType", registration == null || registration.deviceType() == null ? 0
                : registration.deviceType());
        d.put("deviceVersion", registration == null ? ""
                : Descriptions.firmwareVersion(registration.firmwareVersion()));
        d.put("isOnline", device.isOnline());
        putTime(d, "lastActivity", device.lastSeenMillis());
        putTime(d, "lastHeartbeat", device.lastSeenMillis());
        d.put("groupDeviceCount", devicesOnConnection);
        d.put("groupSessionCount", 1);
        if (connection != null) {
            d.put("connId", connection.id());
            d.put("remoteAddr", connection.remoteAddress());
            putTime(d, "connectedAt", connection.connectedAtMillis());
        }
        d.put("ports", ports(device));
        return d;
    }

    private static List<Map<String, Object>> ports(DeviceRegistry.Device device) {
        List<Map<String, Object>> ports = new ArrayList<>();
        for (int port : device.shownPorts()) {
            Integer status = device.portStatus(port);
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("port", port);
            p.put("status", status);
            p.put("statusDesc", status == null ? "未知" : Descriptions.portStatus(status));
            p.put("orderNo", device.activeOrder(port));
            ports.add(p);
        }
        return ports;
    }

    /** A time as IoT-Zinx formats it ("2006-01-02 15:04:05" in Go's notation), in the server's zone. */
    static String time(long millis) {
        return TIME.format(Instant.ofEpochMilli(millis));
    }

    /** A time as IoT-Zinx gives it: the text and Unix seconds, "" and 0 when never. */
    private static void putTime(Map<String, Object> d, String name, long millis) {
        d.put(name, millis <= 0 ? "" : time(millis));
        d.put(name + "Ts", millis <= 0 ? 0 : millis / 1000);
    }

    private static void putUnlessEmpty(Map<String, Object> data, String name, String value) {
        if (value != null && !value.isEmpty()) {
            data.put(name, value);
        }
    }

    private static void putUnlessZero(Map<String, Object> data, String name, long value) {
        if (value != 0) {
            data.put(name, value);
        }
    }
}
