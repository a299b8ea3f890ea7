package ap3000.gateway.protocol;

import io.netty.buffer.ByteBuf;

/**
 * Sees every valid DNY frame of a device connection, both directions, as its exact wire bytes: the decoder calls it
 * for each frame it accepts, the encoder for each frame it writes. It runs on Netty's event loop for every frame,
 * so an implementation copies what it needs and returns at once (no I/O, no locks held for long).
 */
@FunctionalInterface
public interface FrameTap {

    /** Sees nothing: for a gateway without a frame log, and for tests and benchmarks of the codec. */
    FrameTap NONE = (physicalId, direction, bytes, index, length) -> {
    };

    /**
     * @param bytes  holds the frame at {@code [index, index + length)}; valid only during the call, and not to be
     *               modified (its reader and writer indexes included)
     */
    void frame(int physicalId, FrameCounts.Direction direction, ByteBuf bytes, int index, int length);
}
