package ap3000.gateway.api;

/**
 * The body of IoT-Zinx's {@code POST /charging/update_power} (HandleUpdateChargingPower), refusals in its words.
 *
 * @param deviceId       the device ID as the platform wrote it (IoT-Zinx echoes it)
 * @param overloadWatts  whole watts
 * @param maxSeconds     the new longest time, 0 for unchanged
 */
record UpdateChargingPower(String deviceId, int physicalId, int port, String orderNo, int overloadWatts,
                           int maxSeconds) {

    static UpdateChargingPower from(Object body) {
        RequestBody request = IotZinx.body(body);
        String given = IotZinx.deviceIdText(request);
        int port = IotZinx.port(request);
        String orderNo = IotZinx.field(() -> request.orderNo("orderNo"));
        // the field is 0.1 W (reference 0x82, offset 27); IoT-Zinx wrote watts into it, a tenth of what was meant
        int overloadWatts = IotZinx.field(() -> request.integer("overloadPowerW", 1, 0xFFFF / 10));
        int maxSeconds = IotZinx.field(() -> request.has("maxChargeDurationSeconds")
                ? request.integer("maxChargeDurationSeconds", 0, 0xFFFF) : 0);
        return new UpdateChargingPower(given, IotZinx.physicalId(given), port, orderNo, overloadWatts, maxSeconds);
    }
}
