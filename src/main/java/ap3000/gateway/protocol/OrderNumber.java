package ap3000.gateway.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The 16 opaque order bytes (0x82, 0x03, 0x06, ...). Online orders are the platform's ASCII text padded with
 * 0x00; offline and keypad orders are packed digits, shown as hex.
 */
public record OrderNumber(byte[] bytes) {

    public static final int SIZE = 16;

    public OrderNumber {
        if (bytes.length != SIZE) {
            throw new IllegalArgumentException("order number must be 16 bytes, was " + bytes.length);
        }
        bytes = bytes.clone();
    }

    /** ASCII text of at most 16 bytes, padded with 0x00. */
    public static OrderNumber ofText(String text) {
        byte[] ascii = text.getBytes(StandardCharsets.US_ASCII);
        if (ascii.length == 0 || ascii.length > SIZE || !isPrintable(ascii, ascii.length)) {
            throw new IllegalArgumentException("order number must be 1 to 16 printable ASCII characters");
        }
        return new OrderNumber(Arrays.copyOf(ascii, SIZE));
    }

    /** The text of an ASCII order (trailing 0x00 removed), otherwise the 32 hex digits. */
    public String text() {
        int end = SIZE;
        while (end > 0 && bytes[end - 1] == 0) {
            end--;
        }
        if (end > 0 && isPrintable(bytes, end)) {
            return new String(bytes, 0, end, StandardCharsets.US_ASCII);
        }
        return HexFormat.of().withUpperCase().formatHex(bytes);
    }

    private static boolean isPrintable(byte[] b, int end) {
        for (int i = 0; i < end; i++) {
            if (b[i] < 0x20 || b[i] > 0x7E) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OrderNumber other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return text();
    }
}
