package ap3000.gateway.protocol;

/**
 * Device ID forms (reference 1.6): the wire's uint32 physical ID is shown as 8 hex digits ("04A228CD"); its
 * high byte is the identification code (device kind), the low three bytes the number printed on the device.
 */
public final class DeviceIds {

    private DeviceIds() {
    }

    public static String format(int physicalId) {
        return String.format("%08X", physicalId);
    }

    public static int printedNumber(int physicalId) {
        return physicalId & 0x00FFFFFF;
    }

    public static int kind(int physicalId) {
        return physicalId >>> 24;
    }
}
