package ap3000.gateway.protocol;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;

/**
 * One DNY frame as it travels on the wire (reference 1.4): header "DNY", uint16 LE length (= data + 9),
 * uint32 LE physical ID, uint16 LE message ID, command, data, uint16 LE byte-sum checksum.
 */
public record DnyFrame(int physicalId, int messageId, int command, byte[] data) {

    public static final int HEADER_SIZE = 3;
    /** Bytes outside the data part: header(3) + length(2) + physical ID(4) + message ID(2) + command(1) + checksum(2). */
    public static final int OVERHEAD = 14;
    /** Length-field bytes outside the data part: physical ID + message ID + command + checksum. */
    public static final int LENGTH_OVERHEAD = 9;

    public DnyFrame {
        if (messageId < 0 || messageId > 0xFFFF) {
            throw new IllegalArgumentException("message ID out of range: " + messageId);
        }
        if (command < 0 || command > 0xFF) {
            throw new IllegalArgumentException("command out of range: " + command);
        }
        data = data == null ? new byte[0] : data;
        if (data.length + LENGTH_OVERHEAD > 0xFFFF) {
            throw new IllegalArgumentException("data too long: " + data.length);
        }
    }

    /** The device ID as printed by the platform: the little-endian physical ID as 8 upper-case hex digits. */
    public String deviceId() {
        return DeviceIds.format(physicalId);
    }

    /** A reply to this frame: same physical ID, message ID and command (reference 1.10). */
    public DnyFrame reply(byte... replyData) {
        return new DnyFrame(physicalId, messageId, command, replyData);
    }

    public byte[] toBytes() {
        byte[] out = new byte[data.length + OVERHEAD];
        out[0] = 'D';
        out[1] = 'N';
        out[2] = 'Y';
        int length = data.length + LENGTH_OVERHEAD;
        out[3] = (byte) length;
        out[4] = (byte) (length >>> 8);
        out[5] = (byte) physicalId;
        out[6] = (byte) (physicalId >>> 8);
        out[7] = (byte) (physicalId >>> 16);
        out[8] = (byte) (physicalId >>> 24);
        out[9] = (byte) messageId;
        out[10] = (byte) (messageId >>> 8);
        out[11] = (byte) command;
        System.arraycopy(data, 0, out, 12, data.length);
        int sum = checksum(out, 0, 12 + data.length);
        out[12 + data.length] = (byte) sum;
        out[13 + data.length] = (byte) (sum >>> 8);
        return out;
    }

    /** The frame whose wire bytes these are ("DNY" to checksum), or empty when they are not one valid frame. */
    public static Optional<DnyFrame> fromBytes(byte[] b) {
        if (b.length < OVERHEAD || b[0] != 'D' || b[1] != 'N' || b[2] != 'Y'
                || ((b[3] & 0xFF) | (b[4] & 0xFF) << 8) != b.length - 5
                || checksum(b, 0, b.length - 2) != ((b[b.length - 2] & 0xFF) | (b[b.length - 1] & 0xFF) << 8)) {
            return Optional.empty();
        }
        int physicalId = (b[5] & 0xFF) | (b[6] & 0xFF) << 8 | (b[7] & 0xFF) << 16 | (b[8] & 0xFF) << 24;
        int messageId = (b[9] & 0xFF) | (b[10] & 0xFF) << 8;
        return Optional.of(new DnyFrame(physicalId, messageId, b[11] & 0xFF, Arrays.copyOfRange(b, 12, b.length - 2)));
    }

    public String toHex() {
        return HexFormat.of().withUpperCase().formatHex(toBytes());
    }

    /** Low 16 bits of the unsigned byte sum of {@code bytes[from, to)} (reference 1.8). */
    public static int checksum(byte[] bytes, int from, int to) {
        int sum = 0;
        for (int i = from; i < to; i++) {
            sum += bytes[i] & 0xFF;
        }
        return sum & 0xFFFF;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DnyFrame f && f.physicalId == physicalId && f.messageId == messageId
                && f.command == command && Arrays.equals(f.data, data);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * physicalId + messageId) + command) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return String.format("DnyFrame[%s msg=0x%04X cmd=0x%02X data=%s]", deviceId(), messageId, command,
                HexFormat.of().withUpperCase().formatHex(data));
    }
}
