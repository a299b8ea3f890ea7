package ap3000.gateway.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Little-endian reads over a frame's data. Old firmware omits trailing fields, so every optional read says
 * whether the field was sent: {@code null} when the data ended before it.
 */
final class PayloadReader {

    private final byte[] data;
    private final int command;
    private int pos;

    PayloadReader(byte[] data, int command) {
        this.data = data;
        this.command = command;
    }

    int remaining() {
        return data.length - pos;
    }

    void require(int bytes, String what) {
        if (remaining() < bytes) {
            throw new MalformedPayloadException(String.format("%s: %s needs %d more bytes, data has %d",
                    Command.hex(command), what, bytes, remaining()));
        }
    }

    int u8() {
        require(1, "field");
        return data[pos++] & 0xFF;
    }

    int u16() {
        require(2, "field");
        int v = (data[pos] & 0xFF) | (data[pos + 1] & 0xFF) << 8;
        pos += 2;
        return v;
    }

    long u32() {
        require(4, "field");
        long v = (data[pos] & 0xFFL) | (data[pos + 1] & 0xFFL) << 8 | (data[pos + 2] & 0xFFL) << 16
                | (data[pos + 3] & 0xFFL) << 24;
        pos += 4;
        return v;
    }

    byte[] bytes(int n) {
        require(n, "field");
        byte[] b = Arrays.copyOfRange(data, pos, pos + n);
        pos += n;
        return b;
    }

    String hex(int n) {
        return HexFormat.of().withUpperCase().formatHex(bytes(n));
    }

    /** ASCII text, cut at the first 0x00. */
    String ascii(int n) {
        byte[] b = bytes(n);
        int end = 0;
        while (end < b.length && b[end] != 0) {
            end++;
        }
        return new String(b, 0, end, StandardCharsets.US_ASCII);
    }

    OrderNumber order() {
        return new OrderNumber(bytes(OrderNumber.SIZE));
    }

    Integer optU8() {
        return remaining() >= 1 ? u8() : null;
    }

    Integer optU16() {
        return remaining() >= 2 ? u16() : null;
    }

    Long optU32() {
        return remaining() >= 4 ? u32() : null;
    }

    String restHex() {
        return hex(remaining());
    }
}
