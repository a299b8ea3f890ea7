package ap3000.gateway.sim;

import java.time.Duration;
import java.time.Instant;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;

import ap3000.gateway.protocol.Ap3000FrameDecoder;
import ap3000.gateway.protocol.DnyFrame;
import ap3000.gateway.protocol.DnyFrameEncoder;
import ap3000.gateway.protocol.FrameCounts;
import ap3000.gateway.protocol.FrameTap;
import ap3000.gateway.protocol.Inbound;
import ap3000.gateway.protocol.ProtocolErrors;
import ap3000.gateway.protocol.ServerCommands;

/**
 * The benchmark's baseline: a bare Netty server with the gateway's codec that only decodes and acks (0x22 gets the
 * time, every other frame {@code 00}), on the I/O threads: no Camel, no registry, no journal. The gateway's frames/s
 * are quoted as a share of this limit.
 */
public final class BareNettyServer implements AutoCloseable {

    private final EventLoopGroup boss = new NioEventLoopGroup(1);
    private final EventLoopGroup workers = new NioEventLoopGroup();
    private final Channel channel;

    public BareNettyServer(int port) throws InterruptedException {
        ProtocolErrors errors = new ProtocolErrors(60_000);
        FrameCounts frames = new FrameCounts();
        DnyFrameEncoder encoder = new DnyFrameEncoder(frames, FrameTap.NONE);
        channel = new ServerBootstrap().group(boss, workers).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new Ap3000FrameDecoder(errors, frames, FrameTap.NONE, Duration.ofSeconds(10)), encoder,
                                new SimpleChannelInboundHandler<Inbound>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, Inbound in) {
                                        if (in instanceof Inbound.Frame f) {
                                            DnyFrame frame = f.frame();
                                            ctx.writeAndFlush(frame.command() == 0x22
                                                    ? ServerCommands.time(frame, Instant.now().getEpochSecond())
                                                    : ServerCommands.ok(frame));
                                        }
                                    }
                                });
                    }
                }).bind("127.0.0.1", port).sync().channel();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        boss.shutdownGracefully().syncUninterruptibly();
        workers.shutdownGracefully().syncUninterruptibly();
    }
}
