package ap3000.gateway.protocol;

import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;

/**
 * Device ID forms (reference 1.6): the wire's uint32 physical ID is shown as 8 hex digits ("04A228CD"); its
 * high byte is the identification code (device kind), the low three bytes the number printed on the device.
 */
public final class DeviceIds {

    /** Identification code assumed when only the printed number is given (dual socket, as IoT-Zinx does). */
    public static final int DEFAULT_KIND = 0x04;
    private static final HexFormat HEX = HexFormat.of().withUpperCase();

    private DeviceIds() {
    }

    /**
     * Reads a device ID as platforms write it, by IoT-Zinx's rules ({@code SmartConvertDeviceID}), so that an ID
     * reaches the same device here as it did there:
     * <ul>
     * <li>8 characters with a hex letter: the full ID ("04A228CD");</li>
     * <li>6 hex digits, letters or not: the printed part, kind 04 assumed ("A228CD", "123456" = 04123456);</li>
     * <li>other digits only: the decimal number printed on the device, kind 04 assumed ("10627277" = 04A228CD),
     * at most 16777215.</li>
     * </ul>
     * One difference, on purpose: 8 digits starting with 0 ("04123456", the form every webhook and answer carries)
     * are a full ID; IoT-Zinx read them as a decimal number and reached another device. A printed number never
     * starts with 0. Empty when the text is none of these.
     */
    public static Optional<Integer> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String t = text.trim().toUpperCase(Locale.ROOT);
        if (t.matches("[0-9A-F]{8}") && (t.charAt(0) == '0' || !t.matches("[0-9]+"))) {
            return Optional.of((int) Long.parseLong(t, 16));
        }
        if (t.matches("[0-9A-F]{6}")) {
            return Optional.of(DEFAULT_KIND << 24 | Integer.parseInt(t, 16));
        }
        if (t.matches("[0-9]{1,8}")) {
            long number = Long.parseLong(t);
            return number <= 0xFFFFFF ? Optional.of(DEFAULT_KIND << 24 | (int) number) : Optional.empty();
        }
        return Optional.empty();
    }

    /** 8 upper-case hex digits; on the device path for every frame, so not through String.format's parser. */
    public static String format(int physicalId) {
        return HEX.toHexDigits(physicalId);
    }

    public static int printedNumber(int physicalId) {
        return physicalId & 0x00FFFFFF;
    }

    public static int kind(int physicalId) {
        return physicalId >>> 24;
    }
}
