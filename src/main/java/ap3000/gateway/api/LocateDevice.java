package ap3000.gateway.api;

/**
 * The body of {@code POST /devices/locate} (0x96), every field checked: a bad one is a 400 naming it.
 *
 * @param deviceId the device ID as the platform wrote it (IoT-Zinx echoes it)
 * @param seconds  how long the device beeps, 1..255
 */
record LocateDevice(String deviceId, int physicalId, int seconds) {

    static LocateDevice from(Object body) {
        RequestBody request = RequestBody.parse(body);
        int physicalId = request.deviceId("deviceId");
        return new LocateDevice(request.fields().get("deviceId").toString(), physicalId,
                request.integer("locateTime", 1, 255));
    }

    /** IoT-Zinx's reading (HandleDeviceLocate), refusals in its words. */
    static LocateDevice fromIotZinx(Object body) {
        RequestBody request = IotZinx.body(body);
        String given = IotZinx.deviceIdText(request);
        int seconds = IotZinx.field(() -> request.integer("locateTime", 1, 255));
        return new LocateDevice(given, IotZinx.physicalId(given), seconds);
    }
}
