package ap3000.gateway.sim;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;

import ap3000.gateway.device.TestFrames;
import ap3000.gateway.protocol.Command;
import ap3000.gateway.protocol.DeviceIds;
import ap3000.gateway.protocol.DnyFrame;

/**
 * A fleet of simulated AP3000 devices that behave like real firmware (reference 2.3): each connection sends its
 * ICCID, then each of its devices (a host and its slaves share one connection for a share of them) registers (0x20),
 * asks the time (0x22) and sends 0x21 heartbeats every {@code heartbeat}; an idle connection sends {@code link}. It
 * acks every command from the gateway; a 0x82 start begins a charging session with 0x06 power heartbeats and ends it
 * with a 0x03 settlement, sent again every {@code settlementRetry} until acked. Charging sessions are started through
 * the gateway's HTTP API ({@code sessionsPerSecond}). Every reply is checked: checksum, message ID and command of the
 * request it answers, content (0x00 for heartbeat, register and settlement; a time within a minute for 0x22); anything
 * else is counted as wrong. Connections are spread over {@code sourceAddresses} loopback addresses (127.0.0.1 to
 * 127.0.0.n) so that one address's port range is not the limit.
 *
 * <p>The traffic stays on loopback, and {@link #run} stops after the given time. {@link ScaleBenchmark} and the fault
 * tests drive it; {@code mvn -B -q test-compile exec:java@simulator -Dsim.devices=1000 -Dsim.seconds=60} runs it
 * alone against a running gateway (docs/development.md, "Device simulator", lists every setting).
 */
public final class DeviceSimulator implements AutoCloseable {

    /** What the simulated fleet does. */
    public record Settings(String host, int tcpPort, int httpPort, String apiKey, int devices, int firstPhysicalId,
                           double hostShare, int slavesPerHost, Duration heartbeat, Duration link,
                           double sessionsPerSecond, Duration sessionLength, Duration powerEvery,
                           Duration settlementRetry, int sourceAddresses, int connectPerSecond, boolean closedLoop) {

        /** The gateway to drive, and the defaults of docs/development.md for everything else. */
        public static Builder builder(int tcpPort, int httpPort, String apiKey) {
            return new Builder(tcpPort, httpPort, apiKey);
        }

        /** From {@code -Dsim.*} system properties, with the defaults in docs/development.md. */
        public static Settings fromSystemProperties() {
            return builder(Integer.getInteger("sim.tcpPort", 7054), Integer.getInteger("sim.httpPort", 7055),
                    System.getProperty("sim.apiKey", ""))
                    .host(System.getProperty("sim.host", "127.0.0.1"))
                    .devices(Integer.getInteger("sim.devices", 100),
                            Integer.decode(System.getProperty("sim.firstId", "0x05000000")))
                    .hosts(Double.parseDouble(System.getProperty("sim.hostShare", "0.1")),
                            Integer.getInteger("sim.slavesPerHost", 2))
                    .heartbeat(Duration.ofMillis(Long.getLong("sim.heartbeatMs", 30_000)))
                    .link(Duration.ofMillis(Long.getLong("sim.linkMs", 30_000)))
                    .sessions(Double.parseDouble(System.getProperty("sim.sessionsPerSecond", "0")),
                            Duration.ofMillis(Long.getLong("sim.sessionMs", 20_000)),
                            Duration.ofMillis(Long.getLong("sim.powerMs", 5_000)))
                    .settlementRetry(Duration.ofMillis(Long.getLong("sim.settlementRetryMs", 10_000)))
                    .sourceAddresses(Integer.getInteger("sim.sourceAddresses", 1))
                    .connectPerSecond(Integer.getInteger("sim.connectPerSecond", 2000))
                    .closedLoop(Boolean.getBoolean("sim.closedLoop"))
                    .build();
        }

        /** The same settings as {@code -Dsim.*} options, for a simulator process of its own. */
        public List<String> asSystemProperties() {
            return List.of("-Dsim.host=" + host, "-Dsim.tcpPort=" + tcpPort, "-Dsim.httpPort=" + httpPort,
                    "-Dsim.apiKey=" + apiKey, "-Dsim.devices=" + devices, "-Dsim.firstId=" + firstPhysicalId,
                    "-Dsim.hostShare=" + hostShare, "-Dsim.slavesPerHost=" + slavesPerHost,
                    "-Dsim.heartbeatMs=" + heartbeat.toMillis(), "-Dsim.linkMs=" + link.toMillis(),
                    "-Dsim.sessionsPerSecond=" + sessionsPerSecond, "-Dsim.sessionMs=" + sessionLength.toMillis(),
                    "-Dsim.powerMs=" + powerEvery.toMillis(), "-Dsim.settlementRetryMs=" + settlementRetry.toMillis(),
                    "-Dsim.sourceAddresses=" + sourceAddresses, "-Dsim.connectPerSecond=" + connectPerSecond,
                    "-Dsim.closedLoop=" + closedLoop);
        }

        public Settings withDevices(int count, int firstId) {
            return new Settings(host, tcpPort, httpPort, apiKey, count, firstId, hostShare, slavesPerHost, heartbeat,
                    link, sessionsPerSecond, sessionLength, powerEvery, settlementRetry, sourceAddresses,
                    connectPerSecond, closedLoop);
        }

        /** Settings by name, each starting from the documented default. */
        public static final class Builder {
            private final int tcpPort;
            private final int httpPort;
            private final String apiKey;
            private String host = "127.0.0.1";
            private int devices = 100;
            private int firstPhysicalId = 0x05000000;
            private double hostShare = 0.1;
            private int slavesPerHost = 2;
            private Duration heartbeat = Duration.ofSeconds(30);
            private Duration link = Duration.ofSeconds(30);
            private double sessionsPerSecond;
            private Duration sessionLength = Duration.ofSeconds(20);
            private Duration powerEvery = Duration.ofSeconds(5);
            private Duration settlementRetry = Duration.ofSeconds(10);
            private int sourceAddresses = 1;
            private int connectPerSecond = 2000;
            private boolean closedLoop;

            private Builder(int tcpPort, int httpPort, String apiKey) {
                this.tcpPort = tcpPort;
                this.httpPort = httpPort;
                this.apiKey = apiKey;
            }

            public Builder host(String value) {
                host = value;
                return this;
            }

            /** How many devices, and the physical ID of the first (the others follow). */
            public Builder devices(int count, int firstId) {
                devices = count;
                firstPhysicalId = firstId;
                return this;
            }

            /** The share of connections that carry a host and its slaves, and how many slaves each. */
            public Builder hosts(double share, int slaves) {
                hostShare = share;
                slavesPerHost = slaves;
                return this;
            }

            public Builder heartbeat(Duration every) {
                heartbeat = every;
                return this;
            }

            /** A {@code link} after this long without a frame. */
            public Builder link(Duration after) {
                link = after;
                return this;
            }

            /** Charging sessions started through the API per second, their length and their 0x06 period. */
            public Builder sessions(double perSecond, Duration length, Duration powerSampleEvery) {
                sessionsPerSecond = perSecond;
                sessionLength = length;
                powerEvery = powerSampleEvery;
                return this;
            }

            public Builder settlementRetry(Duration every) {
                settlementRetry = every;
                return this;
            }

            /** Connections spread over 127.0.0.1 ... 127.0.0.n. */
            public Builder sourceAddresses(int count) {
                sourceAddresses = count;
                return this;
            }

            public Builder connectPerSecond(int rate) {
                connectPerSecond = rate;
                return this;
            }

            /** Each device sends its next heartbeat as soon as the last is answered. */
            public Builder closedLoop(boolean value) {
                closedLoop = value;
                return this;
            }

            public Settings build() {
                return new Settings(host, tcpPort, httpPort, apiKey, devices, firstPhysicalId, hostShare,
                        slavesPerHost, heartbeat, link, sessionsPerSecond, sessionLength, powerEvery, settlementRetry,
                        sourceAddresses, connectPerSecond, closedLoop);
            }
        }
    }

    /** What happened, summed over the run. */
    public static final class Counts {
        public final LongAdder connected = new LongAdder();
        public final LongAdder disconnected = new LongAdder();
        public final LongAdder connectFailures = new LongAdder();
        public final LongAdder registered = new LongAdder();
        public final LongAdder framesSent = new LongAdder();
        public final LongAdder repliesOk = new LongAdder();
        public final LongAdder repliesWrong = new LongAdder();
        public final LongAdder unexpected = new LongAdder();
        public final LongAdder commandsAcked = new LongAdder();
        public final LongAdder sessionsRequested = new LongAdder();
        public final LongAdder apiErrors = new LongAdder();
        public final LongAdder sessionsStarted = new LongAdder();
        public final LongAdder settlementsSent = new LongAdder();
        public final LongAdder settlementsAcked = new LongAdder();
        public final LongAdder settlementRetransmits = new LongAdder();
        public final LongAdder reconnects = new LongAdder();
        /** Orders whose 0x82 start the devices acked, and orders whose settlement the gateway acked. */
        public final java.util.Set<String> startedOrders = java.util.concurrent.ConcurrentHashMap.newKeySet();
        public final java.util.Set<String> settledOrders = java.util.concurrent.ConcurrentHashMap.newKeySet();
        /** Reply latency in microseconds, from the request written to the reply read. */
        public final Recorder latency = new Recorder(3);
        final ConcurrentLinkedQueue<String> firstProblems = new ConcurrentLinkedQueue<>();

        void problem(String text) {
            if (firstProblems.size() < 10) {
                firstProblems.add(text);
            }
        }

        public List<String> firstProblems() {
            return List.copyOf(firstProblems);
        }
    }

    private static final byte[] LINK = "link".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_FRAME = 0xFFFF + 5;

    private final Settings settings;
    private final Counts counts = new Counts();
    private final EventLoopGroup loop;
    private final List<Connection> connections = new ArrayList<>();
    private final List<SimDevice> all = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicLong orders = new AtomicLong();
    private volatile boolean stopping;
    private volatile Duration reconnectAfter;
    private Bootstrap bootstrap;

    public DeviceSimulator(Settings settings) {
        this.settings = settings;
        this.loop = new NioEventLoopGroup(Math.max(2, Runtime.getRuntime().availableProcessors()));
    }

    public Counts counts() {
        return counts;
    }

    /**
     * Devices whose connection drops connect again after this long (again and again while the gateway is away),
     * register, and send their unacked settlements again, as firmware does. Off by default: a drop is then a problem.
     */
    public DeviceSimulator reconnectAfter(Duration delay) {
        this.reconnectAfter = delay;
        return this;
    }

    /** Devices whose sessions have not all been settled yet (started or waiting for their settlement's ack). */
    /** The TCP connections the fleet uses (a host and its slaves share one). */
    public int connectionCount() {
        return connections.size();
    }

    public long openSessions() {
        return all.stream().mapToLong(d -> d.sessions.size()).sum();
    }

    /**
     * Opens the connections at {@code connectPerSecond} and returns once every one was attempted; the devices then
     * keep going on their own until {@link #close}.
     */
    public void start() throws InterruptedException {
        bootstrap = new Bootstrap().group(loop).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true).option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .option(ChannelOption.SO_REUSEADDR, true);
        int id = settings.firstPhysicalId();
        int remaining = settings.devices();
        int index = 0;
        long spacingNanos = 1_000_000_000L / Math.max(1, settings.connectPerSecond());
        long next = System.nanoTime();
        while (remaining > 0 && !stopping) {
            boolean host = settings.slavesPerHost() > 0 && ThreadLocalRandom.current().nextDouble() < settings.hostShare();
            int size = Math.min(remaining, host ? 1 + settings.slavesPerHost() : 1);
            List<SimDevice> devices = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                devices.add(new SimDevice(id++));
            }
            all.addAll(devices);
            remaining -= size;
            Connection connection = new Connection(devices,
                    "127.0.0." + (1 + index++ % Math.max(1, settings.sourceAddresses())));
            connections.add(connection);
            connection.connect();
            next += spacingNanos;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
        }
    }

    /** Starts charging sessions through the HTTP API for the given time, then returns. */
    public void driveSessions(Duration duration) throws InterruptedException {
        if (settings.sessionsPerSecond() <= 0) {
            TimeUnit.NANOSECONDS.sleep(duration.toNanos());
            return;
        }
        long end = System.nanoTime() + duration.toNanos();
        long spacing = (long) (1e9 / settings.sessionsPerSecond());
        long next = System.nanoTime();
        while (System.nanoTime() < end && !stopping) {
            startSession();
            next += spacing;
            long wait = Math.min(next, end) - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
        }
    }

    private void startSession() {
        SimDevice device = all.get(ThreadLocalRandom.current().nextInt(all.size()));
        int port = 1 + ThreadLocalRandom.current().nextInt(2);
        if (!device.registered || device.lostRegistration || device.sessions.containsKey(port)
                || device.reportedCharging.getOrDefault(port, false)
                || device.requested.putIfAbsent(port, Boolean.TRUE) != null) {
            return; // a device that is not online, or a port charging or asked for, is not asked (the API says 409)
        }
        String order = "SIM" + Long.toString(System.nanoTime() % 1_000_000_000L, 36).toUpperCase(Locale.ROOT)
                + orders.incrementAndGet();
        String body = String.format(Locale.ROOT, "{\"deviceId\":\"%s\",\"port\":%d,\"mode\":0,\"value\":%d,"
                + "\"orderNo\":\"%s\",\"balance\":100}", DeviceIds.format(device.physicalId), port,
                Math.max(60, settings.sessionLength().toSeconds() * 2), order.length() > 16 ? order.substring(0, 16) : order);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + settings.host() + ":"
                        + settings.httpPort() + "/api/v1/charging/start?view=gateway&async=true"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (!settings.apiKey().isEmpty()) {
            request.header("X-API-Key", settings.apiKey());
        }
        counts.sessionsRequested.increment();
        http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString()).whenComplete((response, error) -> {
            if (error != null || response.statusCode() / 100 != 2) {
                device.requested.remove(port);
                counts.apiErrors.increment();
                counts.problem("charging/start " + (error != null ? error : response.statusCode() + " " + response.body()));
            }
        });
    }

    @Override
    public void close() {
        stopping = true;
        for (Connection connection : connections) {
            if (connection.channel != null) {
                connection.channel.close();
            }
        }
        loop.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** The latency histogram since the last call (microseconds). */
    public Histogram intervalLatency() {
        return counts.latency.getIntervalHistogram();
    }

    // ---- one device -------------------------------------------------------------------------------------------

    private static final class SimDevice {
        final int physicalId;
        int messageId = 1 + ThreadLocalRandom.current().nextInt(0xFFFE);
        volatile boolean registered;
        volatile boolean lostRegistration;
        /** Port (1-based) to its session; changed on the connection's event loop, read by the session driver. */
        final Map<Integer, Session> sessions = new java.util.concurrent.ConcurrentHashMap<>();
        /** Ports the last heartbeat reported charging: the gateway refuses a start there until the next one. */
        final Map<Integer, Boolean> reportedCharging = new java.util.concurrent.ConcurrentHashMap<>();
        /** Ports a start was asked for whose 0x82 has not arrived yet: not asked again meanwhile. */
        final Map<Integer, Boolean> requested = new java.util.concurrent.ConcurrentHashMap<>();

        SimDevice(int physicalId) {
            this.physicalId = physicalId;
        }

        int nextMessageId() {
            int id = messageId;
            messageId = id == 0xFFFF ? 1 : id + 1;
            return id;
        }
    }

    private static final class Session {
        final String order;
        final long startedAtNanos = System.nanoTime();
        io.netty.util.concurrent.ScheduledFuture<?> power;
        DnyFrame settlement;

        Session(String order) {
            this.order = order;
        }
    }

    // ---- one connection (its handler runs on one event loop thread) ------------------------------------------

    /** One device connection; after a drop the same handler serves the next connection of the same devices. */
    @io.netty.channel.ChannelHandler.Sharable
    private final class Connection extends SimpleChannelInboundHandler<ByteBuf> {
        private final List<SimDevice> devices;
        private final String source;
        /** (physical ID, message ID, command) of a request to its send time in nanoseconds. */
        private final Map<Long, Long> pending = new HashMap<>();
        private final List<io.netty.util.concurrent.ScheduledFuture<?>> timers = new ArrayList<>();
        private volatile Channel channel;
        private long lastSentNanos;

        Connection(List<SimDevice> devices, String source) {
            this.devices = devices;
            this.source = source;
        }

        void connect() {
            Connection handler = this;
            bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(java.nio.ByteOrder.LITTLE_ENDIAN,
                            MAX_FRAME, 3, 2, 0, 0, true), handler);
                }
            }).connect(new InetSocketAddress(settings.host(), settings.tcpPort()), new InetSocketAddress(source, 0))
                    .addListener(f -> {
                        if (f.isSuccess() || stopping) {
                            return;
                        }
                        if (reconnectAfter != null && channel != null) {
                            // the gateway is away (restarting): try again, as firmware does
                            loop.schedule(this::connect, reconnectAfter.toMillis(), TimeUnit.MILLISECONDS);
                        } else {
                            counts.connectFailures.increment();
                            counts.problem("connect from " + source + ": " + f.cause());
                        }
                    });
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            channel = ctx.channel();
            counts.connected.increment();
            channel.writeAndFlush(Unpooled.wrappedBuffer(TestFrames.iccid()));
            for (SimDevice device : devices) {
                send(TestFrames.register(device.physicalId, device.nextMessageId()));
                send(TestFrames.timeRequest(device.physicalId, device.nextMessageId()));
            }
            if (!settings.closedLoop()) {
                long period = settings.heartbeat().toMillis();
                // spread the fleet's heartbeats over the period, as devices powered on at different times are
                timers.add(channel.eventLoop().scheduleAtFixedRate(this::heartbeats,
                        ThreadLocalRandom.current().nextLong(period), period, TimeUnit.MILLISECONDS));
                long link = settings.link().toMillis();
                timers.add(channel.eventLoop().scheduleAtFixedRate(this::linkWhenIdle, link, link,
                        TimeUnit.MILLISECONDS));
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            counts.disconnected.increment();
            timers.forEach(t -> t.cancel(false));
            timers.clear();
            pending.clear();
            for (SimDevice device : devices) {
                if (device.registered) {
                    device.lostRegistration = true;
                }
            }
            if (stopping) {
                return;
            }
            if (reconnectAfter != null) {
                counts.reconnects.increment();
                loop.schedule(this::connect, reconnectAfter.toMillis(), TimeUnit.MILLISECONDS);
            } else {
                counts.problem("connection of " + DeviceIds.format(devices.get(0).physicalId) + " closed by the gateway");
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            counts.problem("connection of " + DeviceIds.format(devices.get(0).physicalId) + ": " + cause);
            ctx.close();
        }

        private void heartbeats() {
            for (SimDevice device : devices) {
                send(TestFrames.heartbeat(device.physicalId, device.nextMessageId(), portStatus(device, 1),
                        portStatus(device, 2)));
            }
        }

        private int portStatus(SimDevice device, int port) {
            // a port whose session ended is idle, as on a real device, while its settlement waits for the ack: a
            // heartbeat saying "charging" after the settlement made the gateway refuse the next start there (409)
            Session session = device.sessions.get(port);
            boolean charging = session != null && session.settlement == null;
            device.reportedCharging.put(port, charging);
            return charging ? 1 : 0;
        }

        private void linkWhenIdle() {
            if (System.nanoTime() - lastSentNanos >= settings.link().toNanos()) {
                channel.writeAndFlush(Unpooled.wrappedBuffer(LINK));
                lastSentNanos = System.nanoTime();
            }
        }

        private void send(DnyFrame frame) {
            pending.put(key(frame.physicalId(), frame.messageId(), frame.command()), System.nanoTime());
            write(frame);
        }

        private void write(DnyFrame frame) {
            channel.writeAndFlush(Unpooled.wrappedBuffer(frame.toBytes()));
            counts.framesSent.increment();
            lastSentNanos = System.nanoTime();
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf in) {
            DnyFrame frame = parse(in);
            if (frame == null) {
                return;
            }
            SimDevice device = device(frame.physicalId());
            Command command = Command.of(frame.command());
            if (device != null && command != null && command.isServerCommand()) {
                onCommand(device, frame);
                return;
            }
            Long sentAt = pending.remove(key(frame.physicalId(), frame.messageId(), frame.command()));
            if (device == null || sentAt == null) {
                counts.unexpected.increment();
                counts.problem("reply to no request: " + frame);
                return;
            }
            counts.latency.recordValue(Math.max(1, (System.nanoTime() - sentAt) / 1000));
            if (!replyIsRight(frame)) {
                counts.repliesWrong.increment();
                counts.problem("wrong reply: " + frame);
                return;
            }
            counts.repliesOk.increment();
            switch (frame.command()) {
                case 0x20 -> {
                    if (!device.registered) {
                        counts.registered.increment();
                    }
                    device.registered = true;
                    device.lostRegistration = false;
                    if (settings.closedLoop()) {
                        send(TestFrames.heartbeat(device.physicalId, device.nextMessageId(), 0, 0));
                    }
                }
                case 0x03 -> settled(device, frame);
                case 0x21 -> {
                    if (settings.closedLoop()) {
                        // closed loop: the next heartbeat as soon as the last one is answered
                        send(TestFrames.heartbeat(device.physicalId, device.nextMessageId(), 0, 0));
                    }
                }
                default -> { }
            }
        }

        /** Checks the frame's checksum; null (counted) when it is wrong. */
        private DnyFrame parse(ByteBuf in) {
            int total = in.readableBytes();
            byte[] bytes = new byte[total];
            in.readBytes(bytes);
            boolean header = bytes[0] == 'D' && bytes[1] == 'N' && bytes[2] == 'Y';
            int sum = (bytes[total - 2] & 0xFF) | (bytes[total - 1] & 0xFF) << 8;
            if (!header || total < DnyFrame.OVERHEAD || DnyFrame.checksum(bytes, 0, total - 2) != sum) {
                counts.repliesWrong.increment();
                counts.problem("bad frame from the gateway: " + java.util.HexFormat.of().formatHex(bytes));
                return null;
            }
            int physicalId = (bytes[5] & 0xFF) | (bytes[6] & 0xFF) << 8 | (bytes[7] & 0xFF) << 16 | (bytes[8] & 0xFF) << 24;
            int messageId = (bytes[9] & 0xFF) | (bytes[10] & 0xFF) << 8;
            byte[] data = java.util.Arrays.copyOfRange(bytes, 12, total - 2);
            return new DnyFrame(physicalId, messageId, bytes[11] & 0xFF, data);
        }

        private boolean replyIsRight(DnyFrame reply) {
            byte[] data = reply.data();
            return switch (reply.command()) {
                case 0x20, 0x21, 0x03 -> data.length == 1 && data[0] == 0;
                case 0x22 -> {
                    long seconds = data.length == 4 ? (data[0] & 0xFFL) | (data[1] & 0xFFL) << 8
                            | (data[2] & 0xFFL) << 16 | (data[3] & 0xFFL) << 24 : -1;
                    yield Math.abs(seconds - System.currentTimeMillis() / 1000) <= 60;
                }
                default -> true;
            };
        }

        /** A command from the gateway: acked at once; 0x82 starts or stops a session. */
        private void onCommand(SimDevice device, DnyFrame command) {
            if (command.command() == 0x82 && command.data().length >= 25) {
                byte[] d = command.data();
                int port = (d[5] & 0xFF) + 1;
                boolean start = d[6] == 1;
                String order = new String(d, 9, 16, StandardCharsets.US_ASCII).replace("\0", "");
                write(TestFrames.chargeAck(device.physicalId, command.messageId(), 0, order, port));
                device.requested.remove(port);
                if (start) {
                    counts.startedOrders.add(order);
                }
                if (start && !device.sessions.containsKey(port)) {
                    startCharging(device, port, order);
                } else if (!start && device.sessions.containsKey(port)) {
                    stopCharging(device, port, 1);
                }
            } else {
                write(command.reply((byte) 0));
            }
            counts.commandsAcked.increment();
        }

        private void startCharging(SimDevice device, int port, String order) {
            Session session = new Session(order);
            device.sessions.put(port, session);
            counts.sessionsStarted.increment();
            long every = settings.powerEvery().toMillis();
            session.power = channel.eventLoop().scheduleAtFixedRate(() -> send(TestFrames.powerHeartbeat(
                    device.physicalId, device.nextMessageId(), port, order, elapsedSeconds(session),
                    elapsedSeconds(session) / 36, 2000)), every, every, TimeUnit.MILLISECONDS);
            channel.eventLoop().schedule(() -> stopCharging(device, port, 0), settings.sessionLength().toMillis(),
                    TimeUnit.MILLISECONDS);
        }

        /** Ends the session with a settlement, sent again until the gateway acks it (the firmware's rule). */
        private void stopCharging(SimDevice device, int port, int stopReason) {
            Session session = device.sessions.get(port);
            if (session == null || session.settlement != null) {
                return;
            }
            session.power.cancel(false);
            int seconds = elapsedSeconds(session);
            session.settlement = TestFrames.settlement(device.physicalId, device.nextMessageId(), port, session.order,
                    seconds, seconds / 36, 2000, stopReason);
            sendSettlement(device, port, session, false);
        }

        private void sendSettlement(SimDevice device, int port, Session session, boolean again) {
            if (device.sessions.get(port) != session || stopping) {
                return;
            }
            if (channel.isActive()) {
                (again ? counts.settlementRetransmits : counts.settlementsSent).increment();
                send(session.settlement);
            }
            channel.eventLoop().schedule(() -> sendSettlement(device, port, session, true),
                    settings.settlementRetry().toMillis(), TimeUnit.MILLISECONDS);
        }

        private void settled(SimDevice device, DnyFrame ack) {
            device.sessions.entrySet().removeIf(e -> {
                boolean match = e.getValue().settlement != null
                        && e.getValue().settlement.messageId() == ack.messageId();
                if (match) {
                    counts.settlementsAcked.increment();
                    counts.settledOrders.add(e.getValue().order);
                }
                return match;
            });
        }

        private int elapsedSeconds(Session session) {
            return (int) ((System.nanoTime() - session.startedAtNanos) / 1_000_000_000L);
        }

        private SimDevice device(int physicalId) {
            for (SimDevice device : devices) {
                if (device.physicalId == physicalId) {
                    return device;
                }
            }
            return null;
        }
    }

    private static long key(int physicalId, int messageId, int command) {
        return (physicalId & 0xFFFFFFFFL) << 24 | (long) messageId << 8 | command;
    }
}
