package ap3000.gateway.api;

/**
 * The body of {@code POST /charging/modify} (0x8A), every field checked: a bad one is a 400 naming it.
 *
 * @param mode  0 timed, 1 timed and stop when full, 2 by energy and stop when full
 * @param value seconds or 0.01 kWh
 */
record ModifyCharging(int physicalId, int port, int mode, int value) {

    static ModifyCharging from(Object body) {
        RequestBody request = RequestBody.parse(body);
        int physicalId = request.deviceId("deviceId");
        int port = request.integer("port", 1, 0xFE);
        int mode = request.integer("mode", 0, 2);
        return new ModifyCharging(physicalId, port, mode, request.integer("value", 0, 0xFFFF));
    }
}
