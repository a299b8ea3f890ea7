package ap3000.gateway.redis;

import java.util.ArrayList;
import java.util.List;

import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.ClusterCommandObjects;
import redis.clients.jedis.ClusterPipeline;
import redis.clients.jedis.CommandObject;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * Jedis's {@link ClusterPipeline} (commands grouped per master, one connection each), keeping every reply it
 * promised so that {@link RedisConnection#syncOrThrow} can fail on the first refused or lost one: a cluster pipeline
 * has no {@code syncAndReturnAll}, and when a node's connection breaks it only logs and leaves that node's replies
 * unset, where an unchecked write would be lost silently.
 */
final class CheckedClusterPipeline extends AbstractPipeline {

    private final ClusterPipeline pipeline;
    private final List<Response<?>> replies = new ArrayList<>();

    CheckedClusterPipeline(ClusterPipeline pipeline) {
        super(new ClusterCommandObjects());
        this.pipeline = pipeline;
    }

    @Override
    protected <T> Response<T> appendCommand(CommandObject<T> command) {
        Response<T> reply = pipeline.executeCommand(command);
        replies.add(reply);
        return reply;
    }

    @Override
    public void sync() {
        pipeline.sync();
    }

    /**
     * Sends what is queued; throws the first error Redis answered (Response.get throws it), or that a node could not
     * be reached.
     */
    void syncOrThrow() {
        pipeline.sync();
        for (Response<?> reply : replies) {
            try {
                reply.get();
            } catch (IllegalStateException unset) {
                throw new JedisConnectionException("A Redis Cluster node did not answer the pipeline", unset);
            }
        }
        replies.clear();
    }

    @Override
    public void close() {
        pipeline.close();
    }
}
