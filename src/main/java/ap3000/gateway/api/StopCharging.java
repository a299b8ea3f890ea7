package ap3000.gateway.api;

/**
 * The body of {@code POST /charging/stop}, every field checked: a bad one is a 400 naming it.
 *
 * @param deviceId the device ID as the platform wrote it (IoT-Zinx echoes it)
 * @param orderNo  the order to stop; null (IoT-Zinx only) for the port's current order
 */
record StopCharging(String deviceId, int physicalId, int port, String orderNo) {

    /** The gateway's reading: the order number is required, the device stops only for its current one. */
    static StopCharging from(Object body) {
        RequestBody request = RequestBody.parse(body);
        int physicalId = request.deviceId("deviceId");
        int port = request.integer("port", 1, 0xFF);
        return new StopCharging(request.fields().get("deviceId").toString(), physicalId, port,
                request.orderNo("orderNo"));
    }

    /** IoT-Zinx's reading (HandleStopCharging): orderNo optional, missing or "" meaning the port's current order. */
    static StopCharging fromIotZinx(Object body) {
        RequestBody request = IotZinx.body(body);
        String given = IotZinx.deviceIdText(request);
        int port = IotZinx.port(request);
        Object orderField = request.fields().get("orderNo");
        String orderNo = orderField == null || "".equals(orderField) ? null
                : IotZinx.field(() -> request.orderNo("orderNo"));
        return new StopCharging(given, IotZinx.physicalId(given), port, orderNo);
    }
}
