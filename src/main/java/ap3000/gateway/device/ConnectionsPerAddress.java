package ap3000.gateway.device;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ipfilter.AbstractRemoteAddressFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ap3000.gateway.logging.ThrottledWarning;

/**
 * Closes a new device connection at once when its source address already has the limit of open connections on
 * this node, so that one host cannot take all the sockets. One instance shared by every connection (it holds the
 * counts); first in the pipeline, it decides when the channel is registered, before any other handler sees it
 * active. Refusals are counted and logged at most once per interval.
 */
@ChannelHandler.Sharable
public class ConnectionsPerAddress extends AbstractRemoteAddressFilter<InetSocketAddress> {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionsPerAddress.class);

    private final int limit;
    private final ThrottledWarning warning;
    private final Map<InetAddress, Integer> open = new ConcurrentHashMap<>();
    private final LongAdder refused = new LongAdder();

    /** @param limit open connections per source address; 0: no limit */
    public ConnectionsPerAddress(int limit, long logIntervalMillis) {
        this.limit = limit;
        this.warning = new ThrottledWarning(logIntervalMillis);
    }

    @Override
    protected boolean accept(ChannelHandlerContext ctx, InetSocketAddress remote) {
        if (limit <= 0) {
            return true;
        }
        InetAddress address = remote.getAddress();
        if (open.merge(address, 1, Integer::sum) > limit) {
            // counted for an instant only: a connection that opens meanwhile may be refused too, never one too many
            release(address);
            return false;
        }
        ctx.channel().closeFuture().addListener(closed -> release(address));
        return true;
    }

    @Override
    protected ChannelFuture channelRejected(ChannelHandlerContext ctx, InetSocketAddress remote) {
        refused.increment();
        String leftOut = warning.due();
        if (leftOut != null) {
            LOG.warn("Refused a device connection from {}: it already has {} open{}", remote.getAddress(), limit,
                    leftOut);
        }
        return null; // closes the connection
    }

    private void release(InetAddress address) {
        open.computeIfPresent(address, (a, n) -> n == 1 ? null : n - 1);
    }

    /** Connections refused for the limit since start. */
    public long refusedCount() {
        return refused.sum();
    }
}
