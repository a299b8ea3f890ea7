package ap3000.gateway.redis;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicBoolean;

import ap3000.gateway.device.DeviceSocket;
import ap3000.gateway.device.TestFrames;
import ap3000.gateway.protocol.DnyFrame;

/**
 * A device settling one order after another, as a pile would, for the failover tests: each settlement is sent until
 * the gateway acks it, then the next. A time request after each settlement marks the end of the gateway's answers to
 * it.
 */
final class SettlingDevice {

    /** A settlement the gateway acked, and when. */
    record Ack(int device, String order, long atNanos) {
    }

    private SettlingDevice() {
    }

    /**
     * Settles until {@code stop} is set, orders named {@code prefix}, device, number.
     *
     * @return how many times a settlement was sent again
     */
    static int settle(int tcpPort, int device, String prefix, AtomicBoolean stop, Queue<Ack> acks)
            throws IOException {
        int retransmissions = 0;
        int message = 1;
        try (DeviceSocket socket = DeviceSocket.online(tcpPort, device)) {
            for (int n = 1; !stop.get(); n++) {
                String order = String.format("%s%08X%06d", prefix, device, n);
                DnyFrame settlement = TestFrames.settlement(device, message++ & 0xFFFF, 1, order, 600, 20, 900, 1);
                for (boolean first = true; ; first = false) {
                    if (Thread.currentThread().isInterrupted()) {
                        throw new IOException("device " + device + " stopped before order " + order + " was acked");
                    }
                    if (!first) {
                        retransmissions++;
                    }
                    socket.send(settlement);
                    DnyFrame time = TestFrames.timeRequest(device, message++ & 0xFFFF);
                    socket.send(time);
                    boolean acked = false;
                    try {
                        // this attempt's answers end with its time request's; an ack is the settlement's by its
                        // message ID (a late one of an earlier attempt counts, it acks the same settlement)
                        DnyFrame reply;
                        while ((reply = socket.readFrame()).command() != 0x22 || reply.messageId() != time.messageId()) {
                            acked |= reply.command() == 0x03 && reply.messageId() == settlement.messageId();
                        }
                    } catch (SocketTimeoutException unanswered) {
                        // nothing for the socket's timeout (a Redis outage can hold a connection's frames that
                        // long on a busy host): sent again, as a pile does
                    }
                    if (acked) {
                        acks.add(new Ack(device, order, System.nanoTime()));
                        break;
                    }
                }
            }
        }
        return retransmissions;
    }
}
