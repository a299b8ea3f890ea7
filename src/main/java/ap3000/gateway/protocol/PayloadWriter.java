package ap3000.gateway.protocol;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Little-endian writer for server-to-device data; checks that each value fits its field. */
final class PayloadWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    public PayloadWriter u8(int v) {
        check(v, 0xFF);
        out.write(v);
        return this;
    }

    public PayloadWriter u16(int v) {
        check(v, 0xFFFF);
        out.write(v);
        out.write(v >>> 8);
        return this;
    }

    public PayloadWriter u32(long v) {
        if (v < 0 || v > 0xFFFFFFFFL) {
            throw new IllegalArgumentException("value out of range for 4 bytes: " + v);
        }
        out.write((int) v);
        out.write((int) (v >>> 8));
        out.write((int) (v >>> 16));
        out.write((int) (v >>> 24));
        return this;
    }

    public PayloadWriter raw(byte[] bytes) {
        out.writeBytes(bytes);
        return this;
    }

    /** Text padded with 0x00 to exactly {@code size} bytes; at most {@code size - 1} characters. */
    public PayloadWriter paddedAscii(String text, int size) {
        byte[] ascii = text.getBytes(StandardCharsets.US_ASCII);
        if (ascii.length >= size) {
            throw new IllegalArgumentException("text longer than " + (size - 1) + " characters");
        }
        out.writeBytes(Arrays.copyOf(ascii, size));
        return this;
    }

    public byte[] toBytes() {
        return out.toByteArray();
    }

    private static void check(int v, int max) {
        if (v < 0 || v > max) {
            throw new IllegalArgumentException("value out of range 0.." + max + ": " + v);
        }
    }
}
