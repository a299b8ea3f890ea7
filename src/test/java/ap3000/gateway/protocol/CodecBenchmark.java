package ap3000.gateway.protocol;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;

/**
 * Decode throughput of {@link Ap3000FrameDecoder} on one thread (one core): a realistic mix of device frames
 * fed as 4 KiB reads (sticky packets) and as one read per frame, each frame decoded and its payload typed.
 * Run: {@code mvn -B -q test-compile exec:java@codec-benchmark}
 */
public final class CodecBenchmark {

    private static final HexFormat HEX = HexFormat.of();
    /** Heartbeats dominate real traffic; power heartbeats, settlements, registrations and link follow. */
    private static final List<String> MIX = List.of(
            "444e591000f36ca204b901212b09020000005d6e04",
            "444e591000f36ca204b901212b09020000005d6e04",
            "444e591000f36ca204b901212b09020000005d6e04",
            "444e591d00f36ca204b8010180022b0902000000000000000000000a00315d001705",
            "444E5932003B37AB040A00060101100E300001E803B0042003E8032019090118000013003038010203040501"
                    + "00E8039808C7015500DA08",
            "444e592c0040aace040300030807e803960001010000000001544553545f4f524445525f3030313233e8030dca3d68430b",
            "444e590f00cd28a2040108208002021e31069703",
            "6c696e6b");

    private CodecBenchmark() {
    }

    public static void main(String[] args) {
        byte[] frames = mix();
        System.out.printf(Locale.ROOT, "AP3000 codec benchmark: %d-message mix (%d bytes), one thread, %s, %d cores%n",
                MIX.size(), frames.length, System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors());
        System.out.printf(Locale.ROOT, "%-28s %14s %12s %10s%n", "reads", "frames/s", "MiB/s", "errors");
        for (int round = 0; round < 2; round++) {
            boolean measure = round == 1;
            report("4 KiB reads (sticky)", frames, 4096, measure);
            report("one read per message", frames, 0, measure);
        }
    }

    private static void report(String name, byte[] mix, int chunk, boolean print) {
        byte[] stream = repeat(mix, 2000);
        ProtocolErrors errors = new ProtocolErrors(60_000);
        EmbeddedChannel channel = new EmbeddedChannel(new Ap3000FrameDecoder(errors, new FrameCounts(), FrameTap.NONE,
                Duration.ofSeconds(10)));
        long frames = 0;
        long bytes = 0;
        long start = System.nanoTime();
        long deadline = start + 5_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (chunk > 0) {
                for (int pos = 0; pos < stream.length; pos += chunk) {
                    channel.writeInbound(Unpooled.wrappedBuffer(stream, pos, Math.min(chunk, stream.length - pos)));
                    frames += drain(channel);
                }
            } else {
                for (String message : MIX) {
                    byte[] b = HEX.parseHex(message.toLowerCase(Locale.ROOT));
                    for (int i = 0; i < 2000; i++) {
                        channel.writeInbound(Unpooled.wrappedBuffer(b));
                        frames += drain(channel);
                    }
                }
            }
            bytes += stream.length;
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        channel.finishAndReleaseAll();
        long errorCount = Arrays.stream(ProtocolErrors.Kind.values()).mapToLong(errors::count).sum();
        if (errorCount > 0) {
            throw new IllegalStateException(errorCount + " decode errors on valid frames");
        }
        if (print) {
            System.out.printf(Locale.ROOT, "%-28s %,14.0f %12.1f %10d%n", name, frames / seconds,
                    bytes / seconds / (1 << 20), errorCount);
        }
    }

    private static int drain(EmbeddedChannel channel) {
        int n = 0;
        Object msg;
        while ((msg = channel.readInbound()) != null) {
            if (msg instanceof Inbound.Frame) {
                n++;
            }
            if (msg instanceof ByteBuf buf) {
                buf.release();
            }
        }
        return n;
    }

    private static byte[] mix() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String message : MIX) {
            out.writeBytes(HEX.parseHex(message.toLowerCase(Locale.ROOT)));
        }
        return out.toByteArray();
    }

    private static byte[] repeat(byte[] b, int times) {
        byte[] out = new byte[b.length * times];
        for (int i = 0; i < times; i++) {
            System.arraycopy(b, 0, out, i * b.length, b.length);
        }
        return out;
    }
}
