package ap3000.gateway.api;

/**
 * Which contract an IoT-Zinx path answers with, chosen by the query parameter {@code view}. By default the answer is
 * IoT-Zinx's, so that a platform written for IoT-Zinx changes nothing; {@code view=gateway} opts in to what the
 * gateway does beyond it: waiting for the device's ack and reporting its result, paging, the snake_case detail with
 * every port (docs/iot-zinx-compatibility.md).
 */
enum ApiView {
    IOT_ZINX, GATEWAY;

    /** The query parameter, also carried when a request is forwarded to the node holding the device. */
    static final String PARAMETER = "view";

    static ApiView of(String value) {
        if (value == null || value.isBlank() || value.equalsIgnoreCase("iot-zinx")) {
            return IOT_ZINX;
        }
        if (value.equalsIgnoreCase("gateway")) {
            return GATEWAY;
        }
        throw ApiException.badRequest(PARAMETER, "must be iot-zinx (the default) or gateway");
    }
}
