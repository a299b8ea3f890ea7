package ap3000.gateway.device;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import ap3000.gateway.protocol.DnyFrame;

/** Device frames as real firmware builds them (reference 2.3), for end-to-end tests. */
public final class TestFrames {

    public static final String ICCID = "898604D9162390488297";

    private TestFrames() {
    }

    public static byte[] iccid() {
        return ICCID.getBytes(StandardCharsets.US_ASCII);
    }

    public static DnyFrame register(int physicalId, int messageId) {
        return new DnyFrame(physicalId, messageId, 0x20, le().putShort((short) 640).put((byte) 2).put((byte) 0x1E)
                .put((byte) 0x31).put((byte) 0x06).array(6));
    }

    /** 0x21 heartbeat at 234.7 V with the given per-port statuses, signal 0, 28 degrees. */
    public static DnyFrame heartbeat(int physicalId, int messageId, int... portStatus) {
        Le b = le().putShort((short) 2347).put((byte) portStatus.length);
        for (int s : portStatus) {
            b.put((byte) s);
        }
        return new DnyFrame(physicalId, messageId, 0x21, b.put((byte) 0).put((byte) (28 + 65)).array());
    }

    /** 0x01 old heartbeat, two idle ports. */
    public static DnyFrame oldHeartbeat(int physicalId, int messageId) {
        return new DnyFrame(physicalId, messageId, 0x01, le().putShort((short) 640).putShort((short) 2347)
                .put((byte) 2).put(new byte[2]).put(new byte[4]).put(new byte[4]).put((byte) 0).put((byte) 0)
                .put((byte) 0x31).put((byte) (28 + 65)).put((byte) 0).array());
    }

    public static DnyFrame timeRequest(int physicalId, int messageId) {
        return new DnyFrame(physicalId, messageId, 0x22, new byte[0]);
    }

    /** 0x06 while charging: port (1-based), seconds, energy in 0.01 kWh, power in 0.1 W, 45-byte layout. */
    public static DnyFrame powerHeartbeat(int physicalId, int messageId, int port, String order, int seconds,
                                          int energyCentiKwh, int powerDeciWatts) {
        return new DnyFrame(physicalId, messageId, 0x06, le().put((byte) (port - 1)).put((byte) 1)
                .putShort((short) seconds).putShort((short) energyCentiKwh).put((byte) 1)
                .putShort((short) powerDeciWatts).putShort((short) powerDeciWatts).putShort((short) powerDeciWatts)
                .putShort((short) powerDeciWatts).put(order(order)).putShort((short) 1)
                .putShort((short) powerDeciWatts).putShort((short) 2200).putShort((short) 455).put((byte) 85)
                .put((byte) 0).putInt(0x683DCA0D).array());
    }

    /** 0x03 in the 35-byte layout of firmware 6.40, online start. */
    public static DnyFrame settlement(int physicalId, int messageId, int port, String order, int seconds,
                                      int energyCentiKwh, int maxPowerDeciWatts, int stopReason) {
        return new DnyFrame(physicalId, messageId, 0x03, le().putShort((short) seconds)
                .putShort((short) maxPowerDeciWatts).putShort((short) energyCentiKwh).put((byte) (port - 1))
                .put((byte) 1).put(new byte[4]).put((byte) stopReason).put(order(order))
                .putShort((short) maxPowerDeciWatts).putInt(0x683DCA0D).array());
    }

    /** The device's 20-byte ack of a 0x82 start. */
    public static DnyFrame chargeAck(int physicalId, int messageId, int result, String order, int port) {
        return new DnyFrame(physicalId, messageId, 0x82, le().put((byte) result).put(order(order))
                .put((byte) (port - 1)).putShort((short) 0).array());
    }

    public static byte[] order(String text) {
        return Arrays.copyOf(text.getBytes(StandardCharsets.US_ASCII), 16);
    }

    private static Le le() {
        return new Le();
    }

    /** A little-endian byte builder. */
    static final class Le {
        private final ByteBuffer buffer = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);

        Le put(byte b) {
            buffer.put(b);
            return this;
        }

        Le put(byte[] b) {
            buffer.put(b);
            return this;
        }

        Le putShort(short s) {
            buffer.putShort(s);
            return this;
        }

        Le putInt(int i) {
            buffer.putInt(i);
            return this;
        }

        byte[] array() {
            return Arrays.copyOf(buffer.array(), buffer.position());
        }

        byte[] array(int expectedLength) {
            byte[] b = array();
            if (b.length != expectedLength) {
                throw new IllegalStateException("built " + b.length + " bytes, expected " + expectedLength);
            }
            return b;
        }
    }
}
