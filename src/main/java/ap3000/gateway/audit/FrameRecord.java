package ap3000.gateway.audit;

import java.util.ArrayList;
import java.util.List;

/**
 * One raw frame of a device as the frame log keeps it, and its binary record in an hour's key
 * ({@code audit:frames:{device}:{yyyyMMddHH}}): u32 big-endian milliseconds since the start of that UTC hour,
 * u8 direction (0 in from the device, 1 out to it), u16 big-endian frame length, the frame's bytes as on the wire.
 * Seven bytes beside the frame itself, so an hour of a device's frames is one compact string appended to.
 *
 * @param physicalId the device's physical ID, as in the frame
 * @param millis when the frame was read or written, epoch milliseconds
 * @param out    true for a frame the gateway sent to the device
 * @param bytes  the whole frame, "DNY" to checksum
 */
public record FrameRecord(int physicalId, long millis, boolean out, byte[] bytes) {

    public static final int HEADER_SIZE = 7;
    static final long HOUR_MILLIS = 3_600_000L;

    /**
     * Writes the record of a frame at {@code offsetMillis} into its hour into {@code target} at {@code pos}, the
     * frame taken from {@code frame[framePos, framePos + length)}; returns the position after it.
     */
    static int write(byte[] target, int pos, long offsetMillis, boolean out, byte[] frame, int framePos, int length) {
        target[pos] = (byte) (offsetMillis >>> 24);
        target[pos + 1] = (byte) (offsetMillis >>> 16);
        target[pos + 2] = (byte) (offsetMillis >>> 8);
        target[pos + 3] = (byte) offsetMillis;
        target[pos + 4] = (byte) (out ? 1 : 0);
        target[pos + 5] = (byte) (length >>> 8);
        target[pos + 6] = (byte) length;
        System.arraycopy(frame, framePos, target, pos + HEADER_SIZE, length);
        return pos + HEADER_SIZE + length;
    }

    /**
     * The records of one hour's value, in the order they were appended. A value cut short (it never should be)
     * yields the records before the cut.
     */
    static List<FrameRecord> parse(int physicalId, byte[] value, long hourStartMillis) {
        List<FrameRecord> records = new ArrayList<>();
        int pos = 0;
        while (pos + HEADER_SIZE <= value.length) {
            long offset = (value[pos] & 0xFFL) << 24 | (value[pos + 1] & 0xFF) << 16 | (value[pos + 2] & 0xFF) << 8
                    | (value[pos + 3] & 0xFF);
            boolean out = value[pos + 4] != 0;
            int length = (value[pos + 5] & 0xFF) << 8 | (value[pos + 6] & 0xFF);
            pos += HEADER_SIZE;
            if (pos + length > value.length) {
                break;
            }
            byte[] bytes = new byte[length];
            System.arraycopy(value, pos, bytes, 0, length);
            pos += length;
            records.add(new FrameRecord(physicalId, hourStartMillis + offset, out, bytes));
        }
        return records;
    }

    static long hourStart(long millis) {
        return Math.floorDiv(millis, HOUR_MILLIS) * HOUR_MILLIS;
    }
}
