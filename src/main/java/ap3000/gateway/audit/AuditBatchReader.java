package ap3000.gateway.audit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ap3000.gateway.redis.RedisConnection;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.XAutoClaimParams;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.resps.StreamEntry;

/**
 * Reads the event journal for the audit trail as the consumer group {@code audit}: the journal stream is the
 * durable aggregation store. A batch completes when it holds {@code batchSize} events or when its oldest event
 * has waited {@code flushInterval}. Until a batch is acknowledged its entries stay in the group's pending list,
 * so a gateway killed mid-batch loses nothing: on the next call this consumer re-reads its own pending
 * entries, and entries left idle by a consumer that died (another node, or this node before a restart) are
 * claimed after {@code claimIdle}.
 */
public class AuditBatchReader {

    private static final Logger LOG = LoggerFactory.getLogger(AuditBatchReader.class);
    private static final String GROUP = "audit";
    /** ID 0-0: the start of the stream, or of a consumer's pending list (Jedis's MINIMUM_ID is the range "-"). */
    private static final StreamEntryID START = new StreamEntryID(0, 0);

    private final RedisConnection redis;
    private final String stream;
    private final String consumer;
    private final int batchSize;
    private final Duration flushInterval;
    private final Duration claimIdle;

    private final LongAdder lostEntries = new LongAdder();
    private boolean groupReady;
    private boolean ownPendingMayExist = true;
    private long nextClaimAtMillis;

    public AuditBatchReader(RedisConnection redis, String stream, String consumer, int batchSize,
                            Duration flushInterval, Duration claimIdle) {
        this.redis = redis;
        this.stream = stream;
        this.consumer = consumer;
        this.batchSize = batchSize;
        this.flushInterval = flushInterval;
        this.claimIdle = claimIdle;
    }

    /** The next batch, waiting at most the flush interval when nothing arrives; empty when nothing did. */
    public AuditBatch next() {
        ensureGroup();
        if (ownPendingMayExist) {
            AuditBatch pending = read(START, batchSize, 0);
            if (!pending.isEmpty()) {
                LOG.info("Re-reading {} journal entries this consumer had not finished", pending.size());
                return pending;
            }
            ownPendingMayExist = false;
        }
        if (System.currentTimeMillis() >= nextClaimAtMillis) {
            nextClaimAtMillis = System.currentTimeMillis() + claimIdle.toMillis();
            AuditBatch claimed = claimStale();
            if (!claimed.isEmpty()) {
                return claimed;
            }
        }
        List<StreamEntryID> ids = new ArrayList<>();
        List<AuditEntry> entries = new ArrayList<>();
        long deadline = System.currentTimeMillis() + flushInterval.toMillis();
        while (ids.size() < batchSize) {
            long remaining = deadline - System.currentTimeMillis();
            if (remaining <= 0) {
                break;
            }
            AuditBatch more = read(StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY, batchSize - ids.size(), remaining);
            if (!more.isEmpty() && ids.isEmpty()) {
                // the interval counts from the oldest event of the batch
                deadline = System.currentTimeMillis() + flushInterval.toMillis();
            }
            ids.addAll(more.ids());
            entries.addAll(more.entries());
        }
        if (!ids.isEmpty()) {
            ownPendingMayExist = true;
        }
        return ids.isEmpty() ? AuditBatch.EMPTY : new AuditBatch(ids, entries);
    }

    /** The batch is in the audit store (or its dead letters): the journal entries are done. */
    public void ack(AuditBatch batch) {
        if (!batch.isEmpty()) {
            redis.client().xack(stream, GROUP, batch.ids().toArray(new StreamEntryID[0]));
        }
        ownPendingMayExist = false;
    }

    /** Entries of the group not yet acknowledged, over all consumers: the audit backlog. */
    public long backlog() {
        ensureGroup();
        return redis.client().xpending(stream, GROUP).getTotal();
    }

    private AuditBatch read(StreamEntryID from, int count, long blockMillis) {
        XReadGroupParams params = XReadGroupParams.xReadGroupParams().count(count);
        if (blockMillis > 0) {
            params.block((int) blockMillis);
        }
        List<Map.Entry<String, List<StreamEntry>>> reply = redis.client().xreadGroup(GROUP, consumer, params,
                Map.of(stream, from));
        if (reply == null || reply.isEmpty()) {
            return AuditBatch.EMPTY;
        }
        return batchOf(reply.get(0).getValue());
    }

    private AuditBatch claimStale() {
        Map.Entry<StreamEntryID, List<StreamEntry>> claimed = redis.client().xautoclaim(stream, GROUP, consumer,
                claimIdle.toMillis(), START, XAutoClaimParams.xAutoClaimParams().count(batchSize));
        if (!claimed.getValue().isEmpty()) {
            // entries trimmed from the journal come back empty here; re-reading our pending list acks them
            ownPendingMayExist = true;
        }
        AuditBatch batch = batchOf(claimed.getValue());
        if (!batch.isEmpty()) {
            LOG.warn("Claimed {} journal entries another audit consumer left unfinished", batch.size());
        }
        return batch;
    }

    private AuditBatch batchOf(List<StreamEntry> entries) {
        List<StreamEntryID> ids = new ArrayList<>(entries.size());
        List<AuditEntry> read = new ArrayList<>(entries.size());
        List<StreamEntryID> gone = new ArrayList<>();
        for (StreamEntry entry : entries) {
            if (entry == null) {
                continue;
            }
            if (entry.getFields() == null) {
                gone.add(entry.getID());
                continue;
            }
            ids.add(entry.getID());
            read.add(AuditEntry.fromJournal(entry.getFields()));
        }
        if (!gone.isEmpty()) {
            // the journal's length guard (gateway.events.max-length) dropped them before they were audited
            LOG.error("{} journal entries were trimmed before the audit wrote them; raise gateway.events.max-length",
                    gone.size());
            lostEntries.add(gone.size());
            redis.client().xack(stream, GROUP, gone.toArray(new StreamEntryID[0]));
        }
        return ids.isEmpty() ? AuditBatch.EMPTY : new AuditBatch(ids, read);
    }

    /** Entries the journal's length guard dropped before the audit could write them. */
    public long lostEntries() {
        return lostEntries.sum();
    }

    private void ensureGroup() {
        if (groupReady) {
            return;
        }
        try {
            // from the start of the journal: events accepted before the audit existed are audited too
            redis.client().xgroupCreate(stream, GROUP, START, true);
        } catch (JedisDataException e) {
            if (!e.getMessage().startsWith("BUSYGROUP")) {
                throw e;
            }
        }
        groupReady = true;
    }
}
