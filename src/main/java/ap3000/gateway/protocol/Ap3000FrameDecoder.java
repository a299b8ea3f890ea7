package ap3000.gateway.protocol;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

/**
 * Splits one connection's byte stream into ICCID, {@code link} and DNY frames (reference 1.12). Netty's
 * cumulation keeps leftovers between reads; each call loops until nothing more parses. A DNY header is
 * trusted only once its length is in range and its checksum matches; otherwise one byte is skipped and the
 * stream rescanned, since "DNY" may occur inside data. One instance per connection: it remembers the ICCID.
 * <p>
 * A unit still incomplete a frame timeout after its first byte arrived closes the connection: otherwise a peer
 * dribbling a frame byte by byte would hold its socket (and the leftover buffer) for as long as it likes.
 */
public class Ap3000FrameDecoder extends ByteToMessageDecoder {

    public static final int ICCID_LENGTH = 20;
    /** Largest Length field a device may send (reference 1.9: 256 bytes per packet). */
    public static final int MAX_DEVICE_LENGTH = 256;

    private static final byte[] DNY = "DNY".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] LINK = "link".getBytes(StandardCharsets.US_ASCII);

    private enum Match { FULL, PARTIAL, NONE }

    /** Fired down the pipeline just before the decoder closes a connection for a frame timeout. */
    public record FrameTimedOut(int pendingBytes) {
    }

    private final ProtocolErrors errors;
    private final FrameCounts frames;
    private final FrameTap tap;
    private final long frameTimeoutNanos;
    private boolean iccidSeen;
    /** True right after a rejected header, so that the bytes skipped while resyncing are not counted twice. */
    private boolean resyncing;
    /** {@link System#nanoTime()} when the first byte of the unit left over in the buffer arrived; -1: none left. */
    private long partialSinceNanos = -1;
    /** The one pending frame-timeout check of this connection, if any. */
    private ScheduledFuture<?> frameCheck;

    public Ap3000FrameDecoder(ProtocolErrors errors, FrameCounts frames, FrameTap tap, Duration frameTimeout) {
        this.errors = errors;
        this.frames = frames;
        this.tap = tap;
        this.frameTimeoutNanos = frameTimeout.toNanos();
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int before = in.readerIndex();
        decodeUnits(ctx, in, out);
        notePartial(ctx, in.isReadable(), in.readerIndex() != before);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        super.channelInactive(ctx);
        if (frameCheck != null) {
            frameCheck.cancel(false);
            frameCheck = null;
        }
    }

    /**
     * Called after every read. Bytes left over begin a unit still being assembled. The same leftover as before
     * (nothing consumed) keeps its start; after a read that completed a unit, the leftover counts from now (it may
     * have begun a little earlier: that errs on the device's side). One check per connection is scheduled at a time.
     */
    private void notePartial(ChannelHandlerContext ctx, boolean leftOver, boolean consumed) {
        if (!leftOver) {
            partialSinceNanos = -1;
            return;
        }
        if (consumed || partialSinceNanos < 0) {
            partialSinceNanos = System.nanoTime();
        }
        if (frameCheck == null) {
            scheduleFrameCheck(ctx, frameTimeoutNanos);
        }
    }

    private void scheduleFrameCheck(ChannelHandlerContext ctx, long delayNanos) {
        frameCheck = ctx.executor().schedule(() -> checkFrameTimeout(ctx), delayNanos, TimeUnit.NANOSECONDS);
    }

    /** Runs on the channel's event loop, like {@link #decode}, so the fields need no locking. */
    private void checkFrameTimeout(ChannelHandlerContext ctx) {
        frameCheck = null;
        if (partialSinceNanos < 0) {
            return;
        }
        long left = partialSinceNanos + frameTimeoutNanos - System.nanoTime();
        if (left > 0) {
            scheduleFrameCheck(ctx, left);
            return;
        }
        ByteBuf pending = internalBuffer();
        errors.record(ProtocolErrors.Kind.FRAME_TIMEOUT, remote(ctx), pending, pending.readerIndex(),
                pending.readableBytes());
        ctx.fireUserEventTriggered(new FrameTimedOut(pending.readableBytes()));
        ctx.close();
    }

    private void decodeUnits(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.isReadable()) {
            int start = in.readerIndex();
            int readable = in.readableBytes();

            if (!iccidSeen) {
                Match iccid = matchIccid(in, start, readable);
                if (iccid == Match.PARTIAL) {
                    return;
                }
                if (iccid == Match.FULL) {
                    out.add(new Inbound.Iccid(in.toString(start, ICCID_LENGTH, StandardCharsets.US_ASCII)));
                    in.skipBytes(ICCID_LENGTH);
                    iccidSeen = true;
                    resyncing = false;
                    continue;
                }
            }

            Match link = match(in, start, readable, LINK);
            if (link == Match.PARTIAL) {
                return;
            }
            if (link == Match.FULL) {
                out.add(new Inbound.Link());
                in.skipBytes(LINK.length);
                resyncing = false;
                continue;
            }

            Match header = match(in, start, readable, DNY);
            if (header == Match.PARTIAL || (header == Match.FULL && readable < 5)) {
                return;
            }
            if (header == Match.FULL) {
                int length = in.getUnsignedShortLE(start + 3);
                if (length < DnyFrame.LENGTH_OVERHEAD || length > MAX_DEVICE_LENGTH) {
                    reject(ctx, ProtocolErrors.Kind.BAD_LENGTH, in, start, 5);
                    continue;
                }
                int total = 5 + length;
                if (readable < total) {
                    return;
                }
                if (!checksumMatches(in, start, total)) {
                    reject(ctx, ProtocolErrors.Kind.BAD_CHECKSUM, in, start, total);
                    continue;
                }
                DnyFrame frame = read(in, start, length);
                Payload payload = PayloadDecoder.decode(frame);
                if (payload instanceof Payload.Unparsed) {
                    errors.record(ProtocolErrors.Kind.UNPARSED_PAYLOAD, remote(ctx), in, start, total);
                }
                tap.frame(frame.physicalId(), FrameCounts.Direction.IN, in, start, total);
                in.skipBytes(total);
                resyncing = false;
                frames.count(FrameCounts.Direction.IN, frame.command());
                out.add(new Inbound.Frame(frame, payload));
                continue;
            }

            skipGarbage(ctx, in, start, readable);
        }
    }

    /** Skips up to the next byte that could begin a header; keeps a possible partial header at the end. */
    private void skipGarbage(ChannelHandlerContext ctx, ByteBuf in, int start, int readable) {
        int end = start + readable;
        int next = end;
        for (int i = start + 1; i < end; i++) {
            if (match(in, i, end - i, DNY) != Match.NONE || match(in, i, end - i, LINK) != Match.NONE) {
                next = i;
                break;
            }
        }
        if (!resyncing) {
            errors.record(ProtocolErrors.Kind.GARBAGE, remote(ctx), in, start, next - start);
        }
        resyncing = false;
        in.skipBytes(next - start);
    }

    private void reject(ChannelHandlerContext ctx, ProtocolErrors.Kind kind, ByteBuf in, int start, int length) {
        errors.record(kind, remote(ctx), in, start, length);
        in.skipBytes(1);
        resyncing = true;
    }

    private static DnyFrame read(ByteBuf in, int start, int length) {
        int physicalId = in.getIntLE(start + 5);
        int messageId = in.getUnsignedShortLE(start + 9);
        int command = in.getUnsignedByte(start + 11);
        byte[] data = new byte[length - DnyFrame.LENGTH_OVERHEAD];
        in.getBytes(start + 12, data);
        return new DnyFrame(physicalId, messageId, command, data);
    }

    private static boolean checksumMatches(ByteBuf in, int start, int total) {
        int sum = 0;
        for (int i = start; i < start + total - 2; i++) {
            sum += in.getUnsignedByte(i);
        }
        return (sum & 0xFFFF) == in.getUnsignedShortLE(start + total - 2);
    }

    /** "89" then hex characters, 20 bytes in all (reference 1.2: real ICCIDs may contain hex letters). */
    private static Match matchIccid(ByteBuf in, int start, int readable) {
        int n = Math.min(readable, ICCID_LENGTH);
        for (int i = 0; i < n; i++) {
            byte b = in.getByte(start + i);
            boolean ok = i == 0 ? b == '8' : i == 1 ? b == '9' : isHexChar(b);
            if (!ok) {
                return Match.NONE;
            }
        }
        return n == ICCID_LENGTH ? Match.FULL : Match.PARTIAL;
    }

    private static boolean isHexChar(byte b) {
        return (b >= '0' && b <= '9') || (b >= 'A' && b <= 'F') || (b >= 'a' && b <= 'f');
    }

    private static Match match(ByteBuf in, int start, int readable, byte[] pattern) {
        int n = Math.min(readable, pattern.length);
        for (int i = 0; i < n; i++) {
            if (in.getByte(start + i) != pattern[i]) {
                return Match.NONE;
            }
        }
        return n == pattern.length ? Match.FULL : Match.PARTIAL;
    }

    private static Object remote(ChannelHandlerContext ctx) {
        return ctx == null ? "?" : ctx.channel().remoteAddress();
    }
}
