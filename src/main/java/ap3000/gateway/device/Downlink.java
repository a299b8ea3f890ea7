package ap3000.gateway.device;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.IntFunction;

import org.apache.camel.spi.ExecutorServiceManager;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ap3000.gateway.protocol.DnyFrame;
import ap3000.gateway.protocol.Inbound;

/**
 * Commands from the server to devices connected to this node (reference 1.7, 1.10): a new message ID per
 * command and device; at least {@code minGap} between two frames to one device (commands queue, they are not
 * refused); the device's ack is matched on physical ID + message ID + command; no ack within
 * {@code ackTimeout} means one resend with the same message ID, and no ack to that ends the command as timed
 * out. The device's acks are never answered.
 */
public class Downlink extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(Downlink.class);

    /** What became of a command. {@code ack} is null when the device never answered. */
    public record Outcome(DnyFrame command, Inbound.Frame ack, int attempts, Object context) {
        public boolean timedOut() {
            return ack == null;
        }
    }

    /** A command about to be written to the device's connection ({@code attempt} 2 is the resend). */
    public record Sending(DnyFrame command, int attempt, Object context, DeviceRegistry.Connection connection) {
    }

    /** A device that has no connection to this node. */
    public static class NotConnectedException extends RuntimeException {
        public NotConnectedException(String deviceId) {
            super("device " + deviceId + " is not connected");
        }
    }

    /** What the metrics count: a command code and how it ended (acked, timed_out, not_connected). */
    public record Result(int command, String result) {
    }

    private record Key(int physicalId, int messageId, int command) {
    }

    private static final class Pending {
        private final DnyFrame frame;
        private final Object context;
        private final CompletableFuture<Outcome> result = new CompletableFuture<>();
        private int attempts;

        Pending(DnyFrame frame, Object context) {
            this.frame = frame;
            this.context = context;
        }
    }

    /** Per device: its next message ID and the earliest moment its next frame may go out. */
    private static final class Lane {
        private int nextMessageId = 1 + ThreadLocalRandom.current().nextInt(0xFFFE);
        private long nextSendAtNanos;

        synchronized int messageId() {
            int id = nextMessageId;
            nextMessageId = id == 0xFFFF ? 1 : id + 1;
            return id;
        }

        /** Reserves a send slot at least {@code gap} after the previous one; returns the delay until it. */
        synchronized long reserve(long gapNanos) {
            long now = System.nanoTime();
            long at = Math.max(now, nextSendAtNanos);
            nextSendAtNanos = at + gapNanos;
            return at - now;
        }
    }

    private final DeviceRegistry registry;
    private final Duration ackTimeout;
    private final Duration minGap;
    private final Map<Key, Pending> pending = new ConcurrentHashMap<>();
    private final Map<Integer, Lane> lanes = new ConcurrentHashMap<>();
    private final Map<Result, LongAdder> results = new ConcurrentHashMap<>();
    private Consumer<Outcome> onTimeout = outcome -> { };
    private Consumer<Sending> onSending = sending -> { };
    private final ExecutorServiceManager executors;
    private ScheduledExecutorService scheduler;

    /** @param executors Camel's: the scheduler thread is named, shown over JMX and stopped with the context */
    public Downlink(ExecutorServiceManager executors, DeviceRegistry registry, Duration ackTimeout, Duration minGap) {
        this.executors = executors;
        this.registry = registry;
        this.ackTimeout = ackTimeout;
        this.minGap = minGap;
    }

    /** Called with every command that timed out (after its resend), to report it. */
    public void onTimeout(Consumer<Outcome> listener) {
        this.onTimeout = listener;
    }

    /** Called with every command just before it is written (each attempt), to record it, on the one downlink thread. */
    public void onSending(Consumer<Sending> listener) {
        this.onSending = listener;
    }

    /**
     * Queues a command for a device connected to this node.
     *
     * @param build   makes the frame from the message ID this command gets
     * @param context what the caller wants back with the outcome (the request)
     * @throws NotConnectedException when the device has no connection here
     */
    public CompletableFuture<Outcome> send(int physicalId, IntFunction<DnyFrame> build, Object context) {
        if (!isConnected(physicalId)) {
            count(build.apply(0).command(), "not_connected");
            throw new NotConnectedException(ap3000.gateway.protocol.DeviceIds.format(physicalId));
        }
        Lane lane = lanes.computeIfAbsent(physicalId, id -> new Lane());
        DnyFrame frame = build.apply(lane.messageId());
        Pending command = new Pending(frame, context);
        pending.put(new Key(frame.physicalId(), frame.messageId(), frame.command()), command);
        transmit(lane, command);
        return command.result;
    }

    /** Matches a device's ack to the command it answers; empty when no command waits for it (late or unknown). */
    public Optional<Outcome> acknowledge(Inbound.Frame ack) {
        DnyFrame f = ack.frame();
        Pending command = pending.remove(new Key(f.physicalId(), f.messageId(), f.command()));
        if (command == null) {
            return Optional.empty();
        }
        Outcome outcome = new Outcome(command.frame, ack, command.attempts, command.context);
        count(f.command(), "acked");
        command.result.complete(outcome);
        return Optional.of(outcome);
    }

    public boolean isConnected(int physicalId) {
        DeviceRegistry.Device device = registry.device(physicalId);
        return device != null && device.isOnline() && device.connection() != null
                && !device.connection().isClosed();
    }

    /** The (command, result) pairs seen so far. */
    public Set<Result> results() {
        return Set.copyOf(results.keySet());
    }

    /** Commands with this code that ended this way. */
    public long count(Result result) {
        LongAdder count = results.get(result);
        return count == null ? 0 : count.sum();
    }

    private void count(int command, String result) {
        results.computeIfAbsent(new Result(command, result), r -> new LongAdder()).increment();
    }

    private void transmit(Lane lane, Pending command) {
        long delay = lane.reserve(minGap.toNanos());
        scheduler.schedule(() -> write(lane, command), delay, TimeUnit.NANOSECONDS);
    }

    private void write(Lane lane, Pending command) {
        Key key = new Key(command.frame.physicalId(), command.frame.messageId(), command.frame.command());
        if (pending.get(key) != command) {
            return; // acked meanwhile
        }
        DeviceRegistry.Device device = registry.device(command.frame.physicalId());
        DeviceRegistry.Connection connection = device == null ? null : device.connection();
        if (connection != null && !connection.isClosed()) {
            command.attempts++;
            try {
                onSending.accept(new Sending(command.frame, command.attempts, command.context, connection));
            } catch (RuntimeException e) {
                // recording the command must not keep it from the device
                LOG.warn("Could not record {} as sent: {}", command.frame, e.toString());
            }
            connection.channel().writeAndFlush(command.frame);
            LOG.debug("Sent {} (attempt {})", command.frame, command.attempts);
        } else {
            command.attempts++; // the device left: count the attempt, the timeout decides
        }
        scheduler.schedule(() -> expire(lane, key, command), ackTimeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void expire(Lane lane, Key key, Pending command) {
        if (pending.get(key) != command) {
            return;
        }
        if (command.attempts < 2) {
            LOG.info("No ack for {} within {} s: sending it once more with the same message ID", command.frame,
                    ackTimeout.toSeconds());
            transmit(lane, command);
            return;
        }
        if (pending.remove(key, command)) {
            Outcome outcome = new Outcome(command.frame, null, command.attempts, command.context);
            LOG.warn("No ack for {} after {} attempts", command.frame, command.attempts);
            count(command.frame.command(), "timed_out");
            command.result.complete(outcome);
            onTimeout.accept(outcome);
        }
    }

    @Override
    protected void doStart() {
        scheduler = executors.newSingleThreadScheduledExecutor(this, "ap3000-downlink");
    }

    @Override
    protected void doStop() {
        executors.shutdownNow(scheduler);
    }
}
