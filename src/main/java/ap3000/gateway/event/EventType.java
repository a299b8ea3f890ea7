package ap3000.gateway.event;

/**
 * Every event type the gateway emits. The first group is the webhook contract's
 * ({@code shared/seeds/third-party-integration-examples.md}); the second covers the other device messages of
 * the protocol, so that nothing a device says is lost to the audit trail.
 */
public enum EventType {
    // the contract's types
    DEVICE_ONLINE,
    DEVICE_OFFLINE,
    DEVICE_REGISTER,
    DEVICE_HEARTBEAT,
    PORT_HEARTBEAT,
    POWER_HEARTBEAT,
    CHARGING_POWER,
    CHARGING_START,
    CHARGING_FAILED,
    CHARGING_END,
    SETTLEMENT,
    // the gateway's additions
    /** The device acknowledged a stop command. */
    CHARGING_STOPPED,
    /**
     * A stop the device refused (any ack result but 0 or 2) or never answered: the order may still be charging.
     * Never {@code charging_failed}, which is only for starts.
     */
    CHARGING_STOP_FAILED,
    /** The gateway sent a 0x82 start or stop command for an order (direction "out"): the session's own record of it. */
    CHARGING_COMMAND,
    CARD_SWIPE,
    ORDER_CONFIRM,
    UPGRADE_REQUEST,
    HOST_HEARTBEAT,
    HOST_STATUS,
    SLAVE_VERSIONS,
    FSK_PARAMS_REQUEST,
    CABINET_HEARTBEAT,
    CABINET_CHARGE_FINISHED,
    ALARM,
    PORT_PUSH,
    COMMAND_ACK,
    UNKNOWN_FRAME,
    // the gateway's own operations (docs/operations.md, "Alerts"): sent only to the endpoints named in alerts.endpoints
    ALERT_FIRING,
    ALERT_RESOLVED;

    /** The name on the wire: {@code device_online}. */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The type of a wire name; empty for a name the gateway never sends. */
    public static java.util.Optional<EventType> valueOfWire(String wireName) {
        return java.util.Arrays.stream(values()).filter(type -> type.wireName().equals(wireName)).findFirst();
    }
}
