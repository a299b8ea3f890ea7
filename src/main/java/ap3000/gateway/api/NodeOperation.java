package ap3000.gateway.api;

import java.util.Arrays;
import java.util.Optional;

/**
 * The API calls one gateway node may ask another to run for a device connected there. A forwarded request names
 * one of these, never an endpoint: the serving node runs its own {@code direct:} route of that name, so a message
 * on the request channel cannot make it run anything else.
 */
public enum NodeOperation {

    CHARGING_START("charging-start"),
    CHARGING_STOP("charging-stop"),
    CHARGING_MODIFY("charging-modify"),
    CHARGING_UPDATE_POWER("charging-update-power"),
    DEVICE_STATUS("device-status"),
    DEVICE_QUERY("device-query"),
    DEVICE_PARAMS_QUERY("device-params-query"),
    DEVICE_PARAMS_SET("device-params-set"),
    DEVICE_LOCATE("device-locate"),
    DEVICE_REBOOT("device-reboot");

    private final String operationName;

    NodeOperation(String operationName) {
        this.operationName = operationName;
    }

    /** The name on the wire and in the routes ({@code forwardIfElsewhere(${exchange}, 'charging-start')}). */
    public String operationName() {
        return operationName;
    }

    /** The API route that runs it on the serving node. */
    String route() {
        return "direct:" + operationName;
    }

    public static Optional<NodeOperation> named(String name) {
        return Arrays.stream(values()).filter(o -> o.operationName.equals(name)).findFirst();
    }
}
