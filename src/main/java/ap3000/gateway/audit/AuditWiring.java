package ap3000.gateway.audit;

import java.time.Clock;
import java.time.Duration;

import org.apache.camel.BeanInject;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.apache.camel.component.micrometer.MicrometerConstants;

import io.micrometer.core.instrument.MeterRegistry;

import ap3000.gateway.event.JournalReader;
import ap3000.gateway.event.JournalShards;
import ap3000.gateway.event.ShardedJournalReader;
import ap3000.gateway.redis.RedisConnection;

/** The audit trail: the frame log, the heartbeat summaries, the store of key events and its journal reader. */
public class AuditWiring {

    @BeanInject("redis")
    RedisConnection redis;
    @BeanInject("clock")
    Clock clock;
    @BeanInject("nodeId")
    String nodeId;
    @BeanInject(MicrometerConstants.METRICS_REGISTRY_NAME)
    MeterRegistry meters;
    @PropertyInject("audit.enabled")
    boolean enabled;
    @PropertyInject("audit.prefix")
    String prefix;
    @PropertyInject("audit.ttl.events")
    Duration eventsTtl;
    @PropertyInject("audit.ttl.sessions")
    Duration sessionsTtl;
    @PropertyInject("audit.ttl.frames")
    Duration framesTtl;
    @PropertyInject("audit.frames.buffer-limit")
    int frameBufferLimit;
    @PropertyInject("audit.heartbeats.max-devices")
    int maxDevices;
    @PropertyInject("audit.heartbeats.max-pending-hours")
    int maxPendingHours;
    @BeanInject("journalShards")
    JournalShards shards;
    @PropertyInject("audit.batch-size")
    int batchSize;
    @PropertyInject("audit.flush-interval")
    Duration flushInterval;
    @PropertyInject("audit.claim-idle")
    Duration claimIdle;

    public void wire(CamelContext context) throws Exception {
        FrameLog frameLog = new FrameLog(redis, prefix, framesTtl, frameBufferLimit, clock, meters);
        // after Redis, so that it is stopped before Redis and writes what is left on the way out
        context.addService(frameLog, true, true);
        context.getRegistry().bind("frameLog", frameLog);
        HeartbeatSummaries heartbeats = new HeartbeatSummaries(redis, prefix, eventsTtl.toSeconds(), enabled,
                maxDevices, maxPendingHours, clock, meters);
        // stopped before Redis: the last accumulated hours are written on the way out
        context.addService(heartbeats, true, true);
        context.getRegistry().bind("heartbeatSummaries", heartbeats);

        AuditStore store = new AuditStore(redis, prefix, eventsTtl, sessionsTtl, sessionsTtl, clock, meters);
        context.getRegistry().bind("auditStore", store);
        context.getRegistry().bind("auditReader", new ShardedJournalReader<>(redis, shards, "audit", nodeId, batchSize,
                flushInterval, claimIdle, AuditEntry::fromJournal)
                .countOnAck(new JournalReader.AckCounts<>(store::countsKey, AuditEntry::countedType,
                        store.eventsTtlSeconds())));
    }
}
