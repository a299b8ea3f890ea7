package ap3000.gateway.api;

import java.math.BigDecimal;

/**
 * The body of {@code POST /charging/start}, every field checked: a bad one is a 400 naming it.
 *
 * @param deviceId        the device ID as the platform wrote it (IoT-Zinx echoes it)
 * @param port            1-based; 255 lets a dual socket choose (its single QR code ends in /ff)
 * @param maxDuration     seconds, or null for the default (1.5 times a timed order's time)
 * @param overloadWatts   watts with one decimal, or null
 * @see OrderPrice the order's own price, read separately
 */
record StartCharging(String deviceId, int physicalId, int port, int mode, int value, String orderNo, long balance,
                     Integer maxDuration, BigDecimal overloadWatts) {
    private static final BigDecimal MAX_OVERLOAD_WATTS = new BigDecimal("6553.5");

    /** The gateway's reading: every field of a start required but the duration and the overload. */
    static StartCharging from(Object body) {
        RequestBody request = RequestBody.parse(body);
        int physicalId = request.deviceId("deviceId");
        int port = request.integer("port", 1, 0xFF);
        int mode = request.integer("mode", 0, 3);
        int value = request.integer("value", 0, 0xFFFF);
        String orderNo = request.orderNo("orderNo");
        long balance = request.longValue("balance", 0, 0xFFFFFFFFL);
        Integer maxDuration = request.optionalInteger("maxDuration", 0, 0xFFFF);
        BigDecimal overloadWatts = request.optionalDecimal("overloadPower", BigDecimal.ZERO, MAX_OVERLOAD_WATTS);
        return new StartCharging(request.fields().get("deviceId").toString(), physicalId, port, mode, value, orderNo,
                balance, maxDuration, overloadWatts);
    }

    /**
     * IoT-Zinx's reading (charging_handlers.go HandleStartCharging): deviceId, port, value and orderNo required, mode
     * and balance 0 unless given; refusals in its words ({@link IotZinx}).
     */
    static StartCharging fromIotZinx(Object body) {
        RequestBody request = IotZinx.body(body);
        String given = IotZinx.deviceIdText(request);
        if (!request.has("orderNo")) {
            throw IotZinx.missing("orderNo", "订单号不能为空");
        }
        int port = IotZinx.port(request);
        String orderNo = IotZinx.field(() -> request.orderNo("orderNo"));
        int value = IotZinx.field(() -> request.integer("value", 0, 0xFFFF));
        int mode = IotZinx.field(() -> request.has("mode") ? request.integer("mode", 0, 3) : 0);
        long balance = IotZinx.field(() -> request.has("balance") ? request.longValue("balance", 0, 0xFFFFFFFFL) : 0L);
        Integer maxDuration = IotZinx.field(() -> request.optionalInteger("maxDuration", 0, 0xFFFF));
        BigDecimal overloadWatts = IotZinx.field(() -> request.optionalDecimal("overloadPower", BigDecimal.ZERO,
                MAX_OVERLOAD_WATTS));
        return new StartCharging(given, IotZinx.physicalId(given), port, mode, value, orderNo, balance, maxDuration,
                overloadWatts);
    }
}
