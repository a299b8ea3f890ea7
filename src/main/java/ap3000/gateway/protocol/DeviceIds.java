package ap3000.gateway.protocol;

import java.util.Locale;
import java.util.Optional;

/**
 * Device ID forms (reference 1.6): the wire's uint32 physical ID is shown as 8 hex digits ("04A228CD"); its
 * high byte is the identification code (device kind), the low three bytes the number printed on the device.
 */
public final class DeviceIds {

    /** Identification code assumed when only the printed number is given (dual socket, as IoT-Zinx does). */
    public static final int DEFAULT_KIND = 0x04;

    private DeviceIds() {
    }

    /**
     * Reads a device ID as platforms write it: 8 hex digits ("04A228CD"), 6 hex digits ("A228CD", kind 04
     * assumed) or the decimal number printed on the device ("10627277", kind 04 assumed). Identification codes
     * are 03..0A, so 8 hex digits starting with 0 are a full ID; 8 decimal digits (which start with 1, as the
     * printed number is below 16777216) are a printed number. Empty when the text is none of these.
     */
    public static Optional<Integer> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String t = text.trim().toUpperCase(Locale.ROOT);
        if (t.matches("0[0-9A-F]{7}")) {
            return Optional.of((int) Long.parseLong(t, 16));
        }
        if (t.matches("[0-9]{1,8}")) {
            long number = Long.parseLong(t);
            return number <= 0xFFFFFF ? Optional.of(DEFAULT_KIND << 24 | (int) number) : Optional.empty();
        }
        if (t.matches("[0-9A-F]{6}")) {
            return Optional.of(DEFAULT_KIND << 24 | Integer.parseInt(t, 16));
        }
        return Optional.empty();
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
