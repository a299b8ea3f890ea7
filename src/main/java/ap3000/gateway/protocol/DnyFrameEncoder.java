package ap3000.gateway.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/**
 * Writes a {@link DnyFrame} as its exact wire bytes, checksum included. It is the only encoder in the
 * outbound pipeline: no length prefix of any other codec may wrap a frame (reference 7, "double framing").
 */
@ChannelHandler.Sharable
public class DnyFrameEncoder extends MessageToByteEncoder<DnyFrame> {

    private final FrameCounts frames;
    private final FrameTap tap;

    public DnyFrameEncoder(FrameCounts frames, FrameTap tap) {
        this.frames = frames;
        this.tap = tap;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, DnyFrame frame, ByteBuf out) {
        byte[] bytes = frame.toBytes();
        int index = out.writerIndex();
        out.writeBytes(bytes);
        tap.frame(frame.physicalId(), FrameCounts.Direction.OUT, out, index, bytes.length);
        frames.count(FrameCounts.Direction.OUT, frame.command());
    }
}
