package ap3000.gateway.redis;

import java.nio.file.Path;

import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;

/** The Redis connection every other package uses: an external server, or the embedded redis-server. */
public class RedisWiring {

    @PropertyInject(value = "gateway.redis.url", defaultValue = "")
    String url;
    @PropertyInject("gateway.data-dir")
    String dataDir;
    @PropertyInject("gateway.redis.embedded-port")
    int embeddedPort;
    @PropertyInject("gateway.redis.appendfsync")
    String appendFsync;
    @PropertyInject("gateway.redis.timeout")
    java.time.Duration timeout;
    @PropertyInject("gateway.redis.pool-size")
    int poolSize;

    public void wire(CamelContext context) throws Exception {
        RedisConnection redis = new RedisConnection(url, Path.of(dataDir), embeddedPort, appendFsync, timeout,
                poolSize);
        // started here, before any route, and stopped by the context after the routes and every other service
        context.addService(redis, true, true);
        context.getRegistry().bind("redis", redis);
    }
}
