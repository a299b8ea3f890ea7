package ap3000.gateway.event;

import java.time.Duration;

import org.apache.camel.BeanInject;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;

import ap3000.gateway.redis.RedisConnection;

/**
 * The event journal every business event is accepted into, its shards (read by every journal reader), and the batch
 * filter the batch routes share.
 */
public class EventWiring {

    @BeanInject("redis")
    RedisConnection redis;
    @PropertyInject("gateway.events.stream")
    String stream;
    @PropertyInject(value = "gateway.events.shards", defaultValue = "1")
    int shards;
    @PropertyInject("gateway.events.max-length")
    long maxLength;
    @PropertyInject("gateway.events.settled-order-ttl")
    Duration settledOrderTtl;
    @PropertyInject("gateway.events.backlog-limit")
    int backlogLimit;
    @PropertyInject("gateway.events.queue-limit")
    int queueLimit;
    @PropertyInject("gateway.events.writers")
    int writers;

    public void wire(CamelContext context) throws Exception {
        JournalShards journalShards = new JournalShards(stream, shards);
        context.getRegistry().bind("journalShards", journalShards);
        EventJournal journal = new EventJournal(context.getExecutorServiceManager(), redis, journalShards, maxLength,
                settledOrderTtl.toSeconds(), backlogLimit, queueLimit, writers);
        // started after Redis and stopped before it: the writers flush what is queued on the way out
        context.addService(journal, true, true);
        context.getRegistry().bind("eventJournal", journal);
        context.getRegistry().bind("nonEmptyBatch", new NonEmptyBatch());
    }
}
