package ap3000.gateway.device;

import java.time.Clock;
import java.time.Duration;

import io.netty.channel.ChannelHandler;
import org.apache.camel.component.netty.DefaultChannelHandlerFactory;

import ap3000.gateway.protocol.Ap3000FrameDecoder;
import ap3000.gateway.protocol.FrameCounts;
import ap3000.gateway.protocol.FrameTap;
import ap3000.gateway.protocol.ProtocolErrors;

/**
 * The Netty handlers of the device listener, as camel-netty needs them: stateful handlers through a factory
 * that makes a new one per connection (a shared decoder would mix two connections' bytes).
 */
public final class DeviceChannelHandlers {

    private DeviceChannelHandlers() {
    }

    /** A new {@link Ap3000FrameDecoder} per connection. */
    public static class FrameDecoderFactory extends DefaultChannelHandlerFactory {
        private final ProtocolErrors errors;
        private final FrameCounts frames;
        private final FrameTap tap;
        private final Duration frameTimeout;

        public FrameDecoderFactory(ProtocolErrors errors, FrameCounts frames, FrameTap tap, Duration frameTimeout) {
            this.errors = errors;
            this.frames = frames;
            this.tap = tap;
            this.frameTimeout = frameTimeout;
        }

        @Override
        public ChannelHandler newChannelHandler() {
            return new Ap3000FrameDecoder(errors, frames, tap, frameTimeout);
        }
    }

    /** A new {@link DeviceConnectionHandler} per connection. */
    public static class ConnectionHandlerFactory extends DefaultChannelHandlerFactory {
        private final DeviceRegistry registry;
        private final Clock clock;
        private final long readIdleSeconds;
        private final long identifyTimeoutSeconds;

        public ConnectionHandlerFactory(DeviceRegistry registry, Clock clock, long readIdleSeconds,
                                        long identifyTimeoutSeconds) {
            this.registry = registry;
            this.clock = clock;
            this.readIdleSeconds = readIdleSeconds;
            this.identifyTimeoutSeconds = identifyTimeoutSeconds;
        }

        @Override
        public ChannelHandler newChannelHandler() {
            return new DeviceConnectionHandler(registry, clock, readIdleSeconds, identifyTimeoutSeconds);
        }
    }
}
