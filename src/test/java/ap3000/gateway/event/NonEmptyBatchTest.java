package ap3000.gateway.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import redis.clients.jedis.StreamEntryID;

class NonEmptyBatchTest {

    private final NonEmptyBatch filter = new NonEmptyBatch();

    @Test
    void passesBatchesThatHoldSomething() {
        DeviceEvent event = new DeviceEvent("id", "heartbeat", "04A228CD", null, 1L, Map.of(), 1L, null, null, null,
                "node");
        assertTrue(filter.matches(with(EventBatch.of(List.of(event)))));
        assertTrue(filter.matches(with(new JournalBatch<>(List.of(new StreamEntryID(1, 0)), List.of("entry")))));
    }

    @Test
    void stopsEmptyBatches() {
        assertFalse(filter.matches(with(EventBatch.EMPTY)));
        assertFalse(filter.matches(with(JournalBatch.empty())));
    }

    @Test
    void refusesWhatIsNotABatch() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> filter.matches(with(List.of())));
        assertEquals("not a batch: java.util.ImmutableCollections$ListN", e.getMessage());
    }

    private static Exchange with(Object body) {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.getMessage().setBody(body);
        return exchange;
    }
}
