package ap3000.gateway.protocol;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;

/** Test helpers: hex as the reference prints it (spaces allowed), and a decoder on an in-memory channel. */
final class Wire {

    private Wire() {
    }

    static byte[] hex(String text) {
        return HexFormat.of().parseHex(text.replace(" ", "").toLowerCase());
    }

    static String hex(byte[] bytes) {
        return HexFormat.of().withUpperCase().formatHex(bytes);
    }

    /** Feeds each chunk as one TCP read and returns everything the decoder produced. */
    static List<Inbound> decode(ProtocolErrors errors, byte[]... reads) {
        EmbeddedChannel channel = new EmbeddedChannel(new Ap3000FrameDecoder(errors, new FrameCounts(), FrameTap.NONE,
                Duration.ofMinutes(1)));
        List<Inbound> out = new ArrayList<>();
        try {
            for (byte[] read : reads) {
                channel.writeInbound(Unpooled.wrappedBuffer(read));
                Object msg;
                while ((msg = channel.readInbound()) != null) {
                    out.add((Inbound) msg);
                }
            }
        } finally {
            channel.finishAndReleaseAll();
        }
        return out;
    }

    static Inbound.Frame decodeOne(String hexFrame) {
        List<Inbound> out = decode(new ProtocolErrors(1000), hex(hexFrame));
        if (out.size() != 1 || !(out.get(0) instanceof Inbound.Frame frame)) {
            throw new AssertionError("expected one frame from " + hexFrame + ", got " + out);
        }
        return frame;
    }
}
