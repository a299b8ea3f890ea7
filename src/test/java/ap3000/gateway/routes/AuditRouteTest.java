package ap3000.gateway.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.spi.Registry;
import org.junit.jupiter.api.Test;

import ap3000.gateway.event.JournalBatch;
import redis.clients.jedis.StreamEntryID;

/**
 * routes/audit.camel.yaml with its timers replaced by direct: endpoints: a batch is written, then acknowledged; an
 * empty one is skipped; a write that keeps failing is retried audit.retry.attempts times and then dead-lettered and
 * acknowledged (audit-errors).
 */
class AuditRouteTest extends RouteTestSupport {

    private volatile JournalBatch<String> nextBatch;
    private volatile int writeFailures;

    @Override
    protected List<String> routeFiles() {
        return List.of("audit");
    }

    @Override
    protected Map<String, String> replacedConsumers() {
        return Map.of("audit-batch", "direct:audit-batch", "audit-frames", "direct:audit-frames",
                "audit-heartbeats", "direct:audit-heartbeats");
    }

    @Override
    protected void override(Properties properties) {
        properties.setProperty("audit.retry.attempts", "2");
        properties.setProperty("audit.retry.delay-ms", "1");
    }

    @Override
    protected void bindStandIns(Registry registry) {
        registry.bind("auditReader", new AuditReaderStandIn());
        registry.bind("auditStore", new AuditStoreStandIn());
        registry.bind("frameLog", new FlushStandIn("frameLog"));
        registry.bind("heartbeatSummaries", new FlushStandIn("heartbeatSummaries"));
    }

    /** Stands in for the journal reader of the consumer group audit. */
    public class AuditReaderStandIn {
        public JournalBatch<String> next() {
            called("auditReader.next");
            return nextBatch;
        }

        public void ack(JournalBatch<String> batch) {
            called("auditReader.ack:" + batch.size());
        }
    }

    /** Stands in for the Redis audit store; fails the first writeFailures writes. */
    public class AuditStoreStandIn {
        public void writeBatch(JournalBatch<String> batch) {
            called("auditStore.writeBatch:" + batch.size());
            if (writeFailures-- > 0) {
                throw new IllegalStateException("Redis timeout");
            }
        }

        public void deadLetterBatch(JournalBatch<String> batch, @ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Exception cause) {
            called("auditStore.deadLetterBatch:" + batch.size() + ":" + cause.getMessage());
        }
    }

    /** Stands in for the frame log and the heartbeat summaries, which flush what they buffered. */
    public class FlushStandIn {
        private final String name;

        FlushStandIn(String name) {
            this.name = name;
        }

        public void flush() {
            called(name + ".flush");
        }
    }

    @Test
    void should_write_a_batch_and_then_acknowledge_it() {
        nextBatch = batch(3);
        writeFailures = 0;

        template.sendBody("direct:audit-batch", null);

        assertThat(calls).containsExactly("auditReader.next", "auditStore.writeBatch:3", "auditReader.ack:3");
    }

    @Test
    void should_skip_an_empty_batch() {
        nextBatch = JournalBatch.empty();

        template.sendBody("direct:audit-batch", null);

        assertThat(calls).containsExactly("auditReader.next");
    }

    @Test
    void should_retry_a_failed_write_and_acknowledge_once_it_succeeds() {
        nextBatch = batch(2);
        writeFailures = 1;

        Exchange done = template.send("direct:audit-batch", e -> { });

        assertThat(done.isFailed()).isFalse();
        assertThat(calls).containsExactly("auditReader.next", "auditStore.writeBatch:2", "auditStore.writeBatch:2",
                "auditReader.ack:2");
    }

    @Test
    void should_dead_letter_a_batch_that_keeps_failing_and_then_acknowledge_it() {
        nextBatch = batch(2);
        writeFailures = Integer.MAX_VALUE;

        Exchange done = template.send("direct:audit-batch", e -> { });

        assertThat(done.isFailed()).as("handled by audit-errors").isFalse();
        assertThat(calls).containsExactly("auditReader.next",
                "auditStore.writeBatch:2", "auditStore.writeBatch:2", "auditStore.writeBatch:2",
                "auditStore.deadLetterBatch:2:Redis timeout", "auditReader.ack:2");
    }

    @Test
    void should_flush_the_frame_log_and_the_heartbeat_summaries_on_their_ticks() {
        template.sendBody("direct:audit-frames", null);
        template.sendBody("direct:audit-heartbeats", null);

        assertThat(calls).containsExactly("frameLog.flush", "heartbeatSummaries.flush");
    }

    private static JournalBatch<String> batch(int size) {
        List<StreamEntryID> ids = java.util.stream.IntStream.range(0, size).mapToObj(i -> new StreamEntryID(1, i)).toList();
        return new JournalBatch<>(ids, ids.stream().map(id -> "entry " + id).toList());
    }
}
