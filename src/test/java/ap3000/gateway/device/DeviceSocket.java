package ap3000.gateway.device;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.HexFormat;

import ap3000.gateway.protocol.DnyFrame;

/** A plain TCP socket acting as a pile's comms module: writes raw bytes, reads whole DNY frames back. */
public final class DeviceSocket implements AutoCloseable {

    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;

    public DeviceSocket(int port) throws IOException {
        this(new Socket("127.0.0.1", port));
    }

    /** Connects from another loopback address (127.0.0.2, ...), as a device on another host would. */
    public DeviceSocket(int port, String fromAddress) throws IOException {
        this(new Socket(InetAddress.getByName("127.0.0.1"), port, InetAddress.getByName(fromAddress), 0));
    }

    private DeviceSocket(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        InputStream raw = socket.getInputStream();
        in = new DataInputStream(raw);
    }

    /** A device that connected, sent its ICCID and registered (the gateway's answer read). */
    public static DeviceSocket online(int port, int physicalId) throws IOException {
        DeviceSocket socket = new DeviceSocket(port);
        socket.send(TestFrames.iccid());
        socket.send(TestFrames.register(physicalId, 1));
        socket.readFrame();
        return socket;
    }

    public DeviceSocket send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    public DeviceSocket send(String hex) throws IOException {
        return send(HexFormat.of().parseHex(hex.replace(" ", "").toLowerCase()));
    }

    public DeviceSocket send(DnyFrame frame) throws IOException {
        return send(frame.toBytes());
    }

    /** Reads the next frame the gateway sent, checking header, length and checksum. */
    public byte[] readFrameBytes() throws IOException {
        byte[] head = new byte[5];
        in.readFully(head);
        if (head[0] != 'D' || head[1] != 'N' || head[2] != 'Y') {
            throw new IOException("not a DNY header: " + HexFormat.of().formatHex(head));
        }
        int length = (head[3] & 0xFF) | (head[4] & 0xFF) << 8;
        byte[] frame = Arrays.copyOf(head, 5 + length);
        in.readFully(frame, 5, length);
        int sum = DnyFrame.checksum(frame, 0, frame.length - 2);
        int wire = (frame[frame.length - 2] & 0xFF) | (frame[frame.length - 1] & 0xFF) << 8;
        if (sum != wire) {
            throw new IOException("bad checksum in reply " + HexFormat.of().formatHex(frame));
        }
        return frame;
    }

    public String readFrameHex() throws IOException {
        return HexFormat.of().withUpperCase().formatHex(readFrameBytes());
    }

    public DnyFrame readFrame() throws IOException {
        byte[] b = readFrameBytes();
        int physicalId = (b[5] & 0xFF) | (b[6] & 0xFF) << 8 | (b[7] & 0xFF) << 16 | (b[8] & 0xFF) << 24;
        int messageId = (b[9] & 0xFF) | (b[10] & 0xFF) << 8;
        return new DnyFrame(physicalId, messageId, b[11] & 0xFF, Arrays.copyOfRange(b, 12, b.length - 2));
    }

    /** True once the gateway has closed the connection (reads end of stream). */
    public boolean isClosedByGateway() throws IOException {
        try {
            return in.read() < 0;
        } catch (EOFException e) {
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    public void soTimeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
