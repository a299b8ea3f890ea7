package ap3000.gateway.ops;

import java.time.Clock;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import ap3000.gateway.audit.AuditEntry;
import ap3000.gateway.device.ConnectionsPerAddress;
import ap3000.gateway.device.DeviceRegistry;
import ap3000.gateway.device.Downlink;
import ap3000.gateway.event.EventJournal;
import ap3000.gateway.event.ShardedJournalReader;
import ap3000.gateway.protocol.Command;
import ap3000.gateway.protocol.FrameCounts;
import ap3000.gateway.protocol.ProtocolErrors;

/**
 * The gateway's own meters on the registry served at {@code /observe/metrics} (docs/operations.md lists them). The
 * device path keeps plain counters ({@link FrameCounts}, {@link ProtocolErrors}, the journal's and the downlink's
 * counts); this class shows them as Micrometer meters. Series whose tags are only known once seen (a command code, an
 * event type, a downlink result) are added by {@link #refresh()}, which the {@code ops-monitor} route calls; it also
 * samples the values that need a Redis round trip, so a scrape never waits for Redis.
 */
public class GatewayMetrics {

    private final MeterRegistry meters;
    private final DeviceRegistry devices;
    private final FrameCounts frames;
    private final EventJournal journal;
    private final Downlink downlink;
    private final ShardedJournalReader<AuditEntry> auditReader;
    private final Clock clock;
    private final Set<Object> registered = new HashSet<>();
    /** -1 until sampled, or while Redis does not answer. */
    private final AtomicLong auditLagMillis = new AtomicLong(-1);
    private final AtomicLong auditPending = new AtomicLong(-1);
    private long lastAccepted;
    private long lastRefreshNanos = System.nanoTime();
    private volatile double eventsPerSecond;

    public GatewayMetrics(MeterRegistry meters, DeviceRegistry devices, FrameCounts frames, ProtocolErrors errors,
                          ConnectionsPerAddress connectionLimit, EventJournal journal, Downlink downlink,
                          ShardedJournalReader<AuditEntry> auditReader, Clock clock) {
        this.meters = meters;
        this.devices = devices;
        this.frames = frames;
        this.journal = journal;
        this.downlink = downlink;
        this.auditReader = auditReader;
        this.clock = clock;

        Gauge.builder("gateway.connections", devices, DeviceRegistry::connectionCount)
                .description("open device TCP connections on this node").register(meters);
        FunctionCounter.builder("gateway.connections.refused", connectionLimit, ConnectionsPerAddress::refusedCount)
                .tag("reason", "per_address_limit")
                .description("device connections closed at accept: their address had the limit open").register(meters);
        Gauge.builder("gateway.devices.online", devices, DeviceRegistry::onlineCount)
                .description("devices online on this node").register(meters);
        Gauge.builder("gateway.devices.charging_ports", this, m -> chargingPorts())
                .description("ports with a charging order, devices online on this node").register(meters);
        for (ProtocolErrors.Kind kind : ProtocolErrors.Kind.values()) {
            FunctionCounter.builder("gateway.protocol.errors", errors, e -> e.count(kind))
                    .tag("kind", kind.name().toLowerCase()).description("bytes or frames rejected by the decoder")
                    .register(meters);
        }
        FunctionCounter.builder("gateway.events.duplicate_settlements", journal, EventJournal::duplicateCount)
                .description("retransmitted settlements acked again but not reported twice").register(meters);
        FunctionCounter.builder("gateway.events.dropped", journal, EventJournal::droppedCount)
                .description("events dropped because Redis was unreachable and the memory backlog was full")
                .register(meters);
        Gauge.builder("gateway.events.waiting", journal, EventJournal::backlogSize)
                .description("events kept in memory while Redis is unreachable").register(meters);
        Gauge.builder("gateway.events.rate", this, GatewayMetrics::eventsPerSecond)
                .description("events accepted per second, over the last ops-monitor interval").register(meters);
        Gauge.builder("gateway.audit.lag", auditLagMillis, lag -> lag.get() < 0 ? Double.NaN : lag.get() / 1000.0)
                .baseUnit("seconds").description("age of the oldest journal entry the audit has not written")
                .register(meters);
        Gauge.builder("gateway.audit.pending", auditPending, p -> p.get() < 0 ? Double.NaN : p.get())
                .description("journal entries read by the audit and not yet written").register(meters);
        FunctionCounter.builder("gateway.audit.lost", auditReader, ShardedJournalReader::lostEntries)
                .description("journal entries trimmed before the audit read them").register(meters);
        refresh();
    }

    /** Adds the series seen since the last call and samples the audit lag. */
    public synchronized void refresh() {
        for (FrameCounts.Direction direction : FrameCounts.Direction.values()) {
            for (int code : frames.seen(direction)) {
                if (registered.add(direction + ":" + code)) {
                    FunctionCounter.builder("gateway.frames", frames, f -> f.total(direction, code))
                            .tag("direction", direction.name().toLowerCase()).tag("command", Command.hex(code))
                            .tag("name", commandName(code)).description("valid frames read from or written to devices")
                            .register(meters);
                }
            }
        }
        for (String type : journal.acceptedTypes()) {
            if (registered.add("event:" + type)) {
                FunctionCounter.builder("gateway.events", journal, j -> j.acceptedCount(type))
                        .tag("type", type).description("events accepted into the journal").register(meters);
            }
        }
        for (Downlink.Result result : downlink.results()) {
            if (registered.add(result)) {
                FunctionCounter.builder("gateway.downlink.commands", downlink,
                                d -> d.count(result))
                        .tag("command", Command.hex(result.command())).tag("name", commandName(result.command()))
                        .tag("result", result.result()).description("commands sent to devices, by how they ended")
                        .register(meters);
            }
        }
        long now = System.nanoTime();
        long accepted = journal.acceptedCount();
        eventsPerSecond = (accepted - lastAccepted) * 1e9 / Math.max(1, now - lastRefreshNanos);
        lastAccepted = accepted;
        lastRefreshNanos = now;
        try {
            auditLagMillis.set(auditReader.lagMillis(clock.millis()));
            auditPending.set(auditReader.backlog());
        } catch (RuntimeException e) {
            auditLagMillis.set(-1);
            auditPending.set(-1);
        }
    }

    /** How far the audit is behind the journal, as last sampled; -1 when unknown. */
    public long auditLagMillis() {
        return auditLagMillis.get();
    }

    /** Events accepted per second between the last two refreshes. */
    public double eventsPerSecond() {
        return eventsPerSecond;
    }

    public long onlineDevices() {
        return devices.onlineCount();
    }

    public long chargingPorts() {
        long charging = 0;
        for (DeviceRegistry.Device device : devices.devices()) {
            if (device.isOnline()) {
                charging += device.chargingPorts();
            }
        }
        return charging;
    }

    private static String commandName(int code) {
        Command command = Command.of(code);
        return command == null ? "unknown" : command.shortName();
    }
}
