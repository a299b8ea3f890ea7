package ap3000.gateway.device;

import java.io.IOException;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ap3000.gateway.protocol.Ap3000FrameDecoder;
import ap3000.gateway.protocol.Inbound;

/**
 * Guards one device connection, behind the frame decoder so that it only sees valid messages. It registers the
 * connection, closes it when nothing valid arrived for the read-idle limit (the vendor asks servers to keep
 * sockets open, so this limit is long) or when no ICCID or frame came within the identify timeout, and passes a
 * {@link ConnectionClosed} down the pipeline when the socket goes away.
 */
public class DeviceConnectionHandler extends IdleStateHandler {

    private static final Logger LOG = LoggerFactory.getLogger(DeviceConnectionHandler.class);

    private final DeviceRegistry registry;
    private final Clock clock;
    private final long identifyTimeoutSeconds;
    /** False for a connection refused at accept ({@link ConnectionsPerAddress}): it never became active here. */
    private boolean opened;
    private boolean identified;
    private String closeReason = "peer_closed";

    public DeviceConnectionHandler(DeviceRegistry registry, Clock clock, long readIdleSeconds,
                                   long identifyTimeoutSeconds) {
        super(readIdleSeconds, 0, 0, TimeUnit.SECONDS);
        this.registry = registry;
        this.clock = clock;
        this.identifyTimeoutSeconds = identifyTimeoutSeconds;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        opened = true;
        registry.open(ctx.channel(), clock.millis());
        ctx.executor().schedule(() -> {
            if (!identified && ctx.channel().isActive()) {
                closeReason = "not_identified";
                LOG.debug("Closing {}: no ICCID or frame within {} s", ctx.channel().remoteAddress(),
                        identifyTimeoutSeconds);
                ctx.close();
            }
        }, identifyTimeoutSeconds, TimeUnit.SECONDS);
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof Inbound.Iccid || msg instanceof Inbound.Frame) {
            identified = true;
        }
        super.channelRead(ctx, msg);
    }

    @Override
    protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent evt) {
        if (evt.state() == IdleState.READER_IDLE) {
            closeReason = "read_idle";
            LOG.debug("Closing {}: nothing valid received for the read-idle limit", ctx.channel().remoteAddress());
            ctx.close();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof Ap3000FrameDecoder.FrameTimedOut timedOut) {
            closeReason = "frame_timeout";
            LOG.debug("Closing {}: {} bytes of a frame, still incomplete after the frame timeout",
                    ctx.channel().remoteAddress(), timedOut.pendingBytes());
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (opened) {
            ctx.fireChannelRead(new ConnectionClosed(closeReason));
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // resets and broken pipes are how mobile modules leave; they are not worth a stack trace each
        if (cause instanceof IOException) {
            LOG.debug("Connection {} failed: {}", ctx.channel().remoteAddress(), cause.getMessage());
        } else {
            LOG.warn("Closing connection {} after an error", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }
}
