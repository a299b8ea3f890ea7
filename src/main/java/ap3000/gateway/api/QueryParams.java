package ap3000.gateway.api;

import ap3000.gateway.device.Downlink;
import ap3000.gateway.protocol.DeviceIds;

/** Path and query parameters, each bad one refused with a 400 that names it, and the "device is here" check. */
final class QueryParams {

    private QueryParams() {
    }

    /** A device ID in any form platforms use: 8 hex digits, 6 hex digits or the printed decimal number. */
    static int deviceId(String value) {
        return DeviceIds.parse(value).orElseThrow(() -> ApiException.badRequest("deviceId",
                "must be 8 hex digits (04A228CD), 6 hex digits or the decimal number printed on the device"));
    }

    static int number(String field, String value, int fallback, int min, int max) {
        if (value == null) {
            return fallback;
        }
        try {
            int v = Integer.parseInt(value.trim());
            if (v < min || v > max) {
                throw ApiException.badRequest(field, "must be " + min + ".." + max + ", was " + v);
            }
            return v;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(field, "must be a whole number, was '" + value + "'");
        }
    }

    static void requireConnected(Downlink downlink, int physicalId) {
        if (!downlink.isConnected(physicalId)) {
            throw ApiException.notFound("device " + DeviceIds.format(physicalId) + " is not connected");
        }
    }
}
