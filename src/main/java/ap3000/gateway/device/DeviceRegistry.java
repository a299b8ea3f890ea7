package ap3000.gateway.device;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

import ap3000.gateway.event.DeviceEvent;
import ap3000.gateway.protocol.Descriptions;
import ap3000.gateway.protocol.DeviceIds;
import ap3000.gateway.protocol.Payload;

/**
 * This node's live view of its connections and the devices on them. Several devices can share one connection
 * (a host and its slaves, reference 1.11), so devices are keyed by physical ID, and a device that reconnects
 * moves to its new connection while the old connection's other devices stay where they are.
 */
public class DeviceRegistry {

    private static final AttributeKey<Connection> CONNECTION = AttributeKey.valueOf("ap3000.connection");

    private final AtomicLong connectionIds = new AtomicLong();
    private final Map<Long, Connection> connections = new ConcurrentHashMap<>();
    private final Map<Integer, Device> devices = new ConcurrentHashMap<>();

    /** One TCP connection from a pile's comms module. */
    public static final class Connection {
        private final long id;
        private final Channel channel;
        private final String remoteAddress;
        private final long connectedAtMillis;
        private final Set<Integer> physicalIds = ConcurrentHashMap.newKeySet();
        private volatile String iccid;
        private volatile boolean closed;

        Connection(long id, Channel channel, long connectedAtMillis) {
            this.id = id;
            this.channel = channel;
            this.remoteAddress = String.valueOf(channel.remoteAddress()).replaceFirst("^/", "");
            this.connectedAtMillis = connectedAtMillis;
        }

        public long id() {
            return id;
        }

        public Channel channel() {
            return channel;
        }

        public String remoteAddress() {
            return remoteAddress;
        }

        public long connectedAtMillis() {
            return connectedAtMillis;
        }

        public String iccid() {
            return iccid;
        }

        public boolean isClosed() {
            return closed;
        }
    }

    /** One pile (or host) known by its physical ID. Fields change under the device's own lock. */
    public static final class Device {
        private final int physicalId;
        private Connection connection;
        private boolean online;
        private long onlineSinceMillis;
        private long lastSeenMillis;
        private Payload.Register registration;
        private int[] portStatus;
        private boolean sendsNewHeartbeat;
        private long lastHeartbeatMillis;
        private Integer heartbeatPeriodSeconds;
        private final Map<Integer, String> activeOrders = new ConcurrentHashMap<>();
        /** charging_start events of starts on port 255 whose ack named no port, by order number. */
        private final Map<String, DeviceEvent> startsAwaitingPort = new ConcurrentHashMap<>();

        Device(int physicalId) {
            this.physicalId = physicalId;
        }

        public int physicalId() {
            return physicalId;
        }

        public String deviceId() {
            return DeviceIds.format(physicalId);
        }

        public synchronized Connection connection() {
            return connection;
        }

        public synchronized boolean isOnline() {
            return online;
        }

        public synchronized long lastSeenMillis() {
            return lastSeenMillis;
        }

        public synchronized long onlineSinceMillis() {
            return onlineSinceMillis;
        }

        public synchronized Payload.Register registration() {
            return registration;
        }

        /** The last status reported for a 1-based port, or null when none was reported yet. */
        public synchronized Integer portStatus(int port) {
            return portStatus != null && port >= 1 && port <= portStatus.length && portStatus[port - 1] >= 0
                    ? portStatus[port - 1] : null;
        }

        /**
         * The 1-based ports worth showing: every port the registration names, and any other (up to 16) that reported
         * a status.
         */
        public synchronized List<Integer> shownPorts() {
            int count = registration != null ? registration.portCount() : 0;
            List<Integer> ports = new ArrayList<>();
            for (int port = 1; port <= Math.max(count, 16); port++) {
                if (port <= count || portStatus(port) != null) {
                    ports.add(port);
                }
            }
            return ports;
        }

        /** The order charging on a 1-based port, as far as this node knows (started here, or seen in 0x06). */
        public String activeOrder(int port) {
            return activeOrders.get(port);
        }

        /** Ports charging: reported as charging (status 1 or 5, float charge) or holding an order known here. */
        public synchronized int chargingPorts() {
            int charging = 0;
            int ports = Math.max(portStatus == null ? 0 : portStatus.length,
                    activeOrders.keySet().stream().mapToInt(Integer::intValue).max().orElse(0));
            for (int port = 1; port <= ports; port++) {
                Integer status = portStatus(port);
                if (activeOrders.containsKey(port) || (status != null && Descriptions.isCharging(status))) {
                    charging++;
                }
            }
            return charging;
        }

        /** Seconds between the device's last two heartbeats on one connection; null before two were seen. */
        public synchronized Integer heartbeatPeriodSeconds() {
            return heartbeatPeriodSeconds;
        }

        /** True once the device has sent a 0x21 heartbeat: from then on only 0x21 is answered (vendor FAQ). */
        public synchronized boolean sendsNewHeartbeat() {
            return sendsNewHeartbeat;
        }
    }

    /** What a frame changed about its device's presence. */
    public record Arrival(Device device, boolean cameOnline) {
    }

    /** A port whose status differs from the last one reported; previous is null when none was. */
    public record PortChange(int port, Integer previous, int current) {
    }

    public Connection open(Channel channel, long nowMillis) {
        Connection connection = new Connection(connectionIds.incrementAndGet(), channel, nowMillis);
        channel.attr(CONNECTION).set(connection);
        connections.put(connection.id, connection);
        return connection;
    }

    public static Connection connectionOf(Channel channel) {
        return channel.attr(CONNECTION).get();
    }

    public void setIccid(Connection connection, String iccid) {
        connection.iccid = iccid;
    }

    /**
     * Records a frame from a device on a connection. The device comes online when it was offline or unknown, or
     * when it appears on a new connection (it moved). A frame on an already closed connection changes nothing.
     */
    public Arrival arrive(Connection connection, int physicalId, long nowMillis) {
        Device device = devices.computeIfAbsent(physicalId, Device::new);
        synchronized (device) {
            if (connection.closed) {
                return new Arrival(device, false);
            }
            boolean moved = device.connection != connection;
            if (moved) {
                if (device.connection != null) {
                    device.connection.physicalIds.remove(physicalId);
                }
                device.registration = null; // a registration on the new connection is news again
                device.lastHeartbeatMillis = 0; // a gap across a reconnect is not the device's period
            }
            boolean cameOnline = !device.online || moved;
            device.connection = connection;
            connection.physicalIds.add(physicalId);
            device.lastSeenMillis = nowMillis;
            if (cameOnline) {
                device.online = true;
                device.onlineSinceMillis = nowMillis;
            }
            return new Arrival(device, cameOnline);
        }
    }

    /** Stores a registration; true unless it repeats the last one the device sent on this connection. */
    public boolean register(Device device, Payload.Register registration) {
        synchronized (device) {
            boolean changed = !registration.equals(device.registration);
            device.registration = registration;
            return changed;
        }
    }

    /**
     * Stores the port statuses of a heartbeat received at {@code nowMillis} and returns the ports whose status
     * changed.
     */
    public List<PortChange> updatePorts(Device device, List<Payload.PortReading> ports, boolean newHeartbeat,
                                        long nowMillis) {
        synchronized (device) {
            if (device.lastHeartbeatMillis > 0 && nowMillis - device.lastHeartbeatMillis >= 1000) {
                device.heartbeatPeriodSeconds = (int) Math.round((nowMillis - device.lastHeartbeatMillis) / 1000.0);
            }
            device.lastHeartbeatMillis = nowMillis;
            if (newHeartbeat) {
                device.sendsNewHeartbeat = true;
            }
            if (device.portStatus == null || device.portStatus.length < ports.size()) {
                int[] grown = new int[ports.size()];
                java.util.Arrays.fill(grown, -1);
                if (device.portStatus != null) {
                    System.arraycopy(device.portStatus, 0, grown, 0, device.portStatus.length);
                }
                device.portStatus = grown;
            }
            List<PortChange> changes = new ArrayList<>();
            for (Payload.PortReading reading : ports) {
                int previous = device.portStatus[reading.port() - 1];
                if (previous != reading.status()) {
                    changes.add(new PortChange(reading.port(), previous < 0 ? null : previous, reading.status()));
                    device.portStatus[reading.port() - 1] = reading.status();
                }
            }
            return changes;
        }
    }

    /**
     * Closes a connection: the devices still on it go offline. Devices that moved to another connection stay.
     */
    public List<Device> close(Connection connection) {
        connection.closed = true;
        connections.remove(connection.id);
        List<Device> offline = new ArrayList<>();
        for (int physicalId : connection.physicalIds) {
            Device device = devices.get(physicalId);
            if (device == null) {
                continue;
            }
            synchronized (device) {
                if (device.connection == connection && device.online) {
                    device.online = false;
                    offline.add(device);
                }
            }
        }
        connection.physicalIds.clear();
        return offline;
    }

    /** Devices silent for longer than {@code offlineAfterMillis} go offline (their connection may live on). */
    public List<Device> sweep(long nowMillis, long offlineAfterMillis) {
        List<Device> offline = new ArrayList<>();
        for (Device device : devices.values()) {
            synchronized (device) {
                if (device.online && nowMillis - device.lastSeenMillis > offlineAfterMillis) {
                    device.online = false;
                    offline.add(device);
                }
            }
        }
        return offline;
    }

    /** The order is charging on the port: a start was acked, or a power heartbeat reported it. */
    public void orderStarted(Device device, int port, String order) {
        device.activeOrders.put(port, order);
    }

    /** The order ended (settled, or stopped): the port is free unless another order took it meanwhile. */
    public void orderEnded(Device device, int port, String order) {
        device.activeOrders.remove(port, order);
    }

    /** Holds the charging_start of a start on port 255 until a frame of its order names the port. */
    public void awaitPort(Device device, String order, DeviceEvent started) {
        device.startsAwaitingPort.put(order, started);
    }

    /** The charging_start that waited for this order's port, once: later frames of the order find nothing. */
    public Optional<DeviceEvent> portChosen(Device device, String order) {
        return Optional.ofNullable(device.startsAwaitingPort.remove(order));
    }

    public Device device(int physicalId) {
        return devices.get(physicalId);
    }

    public Collection<Device> devices() {
        return devices.values();
    }

    public int connectionCount() {
        return connections.size();
    }

    public long onlineCount() {
        return devices.values().stream().filter(Device::isOnline).count();
    }

    @Override
    public String toString() {
        return "DeviceRegistry[connections=" + connections.size() + ", devices=" + devices.size() + "]";
    }
}
