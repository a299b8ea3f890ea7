package ap3000.gateway.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads a server-to-device frame's data back into its fields: the inverse of {@link ServerCommands}, for the audit's
 * frame log, which shows the frames the gateway sent next to those it received. {@link PayloadDecoder} does the same
 * for device-to-server frames. Each command gives the record of its layout; parameter blocks and 0x82 give the
 * records {@link ServerCommands} wrote them from.
 */
public final class ServerFrameReader {

    /** One-byte result: the reply to 0x01 / 0x21 heartbeats, 0x20 register, 0x03 settlement and 0x15. */
    public record Result(int result) {
    }

    /** The reply to 0x22 / 0x12. */
    public record Time(long epochSeconds) {
    }

    public record CardSwipeReply(String cardId, int accountStatus, int rateMode, long balanceOrValidity, int port) {
    }

    public record OrderConfirmReply(int port, int result) {
    }

    /** A command without data (0x81, 0x87, 0x88, 0x90-0x93, ...). */
    public record NoData() {
    }

    public record ModifyCharge(int mode, int port, int value) {
    }

    public record ReadEeprom(int address, int length) {
    }

    public record WriteEeprom(int address, String dataHex) {
    }

    /** 0x8D work mode, 0x8F TC card mode. */
    public record Mode(int mode) {
    }

    public record QrUrl(int mainScreen, String url) {
    }

    public record TemporaryQr(String text) {
    }

    public record PlayVoice(boolean interrupt, int count, String voiceIdsHex) {
    }

    public record Locate(int seconds) {
    }

    public record Mute(boolean mute) {
    }

    public record MultiFunction(int function, int port) {
    }

    public record CabinetStop(int port, OrderNumber order) {
    }

    public record ChangeServer(int tcpPort, int moduleType, boolean socketB, String host) {
    }

    public record SetFsk(int frequencyMhz, List<String> slaveDeviceIds) {
    }

    public record UpgradePacket(int totalPackets, int packet, int firmwareBytes) {
    }

    private ServerFrameReader() {
    }

    /** The frame's fields as a record, or empty when its command has no server-side layout or the data is short. */
    public static Optional<Record> read(DnyFrame frame) {
        PayloadReader r = new PayloadReader(frame.data(), frame.command());
        if (frame.data().length == 0) {
            return Optional.of(new NoData());
        }
        try {
            return Optional.ofNullable(switch (frame.command()) {
                case 0x01, 0x03, 0x15, 0x20, 0x21 -> new Result(r.u8());
                case 0x12, 0x22 -> new Time(r.u32());
                case 0x02 -> new CardSwipeReply(r.hex(4), r.u8(), r.u8(), r.u32(), Units.portFromWire(r.u8()));
                case 0x04 -> new OrderConfirmReply(Units.portFromWire(r.u8()), r.u8());
                case 0x34 -> new ChangeServer(r.u16(), r.u8(), r.u8() != 0, r.ascii(46));
                case 0x3A -> setFsk(r);
                case 0x72 -> new CabinetStop(Units.portFromWire(r.u8()), r.order());
                case 0x82 -> chargeControl(r);
                case 0x83 -> DeviceParameters.RunParams1.read(r);
                case 0x84 -> DeviceParameters.RunParams2.read(r);
                case 0x85 -> DeviceParameters.ChargeLimits.read(r);
                case 0x86 -> DeviceParameters.CardParams.read(r);
                case 0x89 -> new PlayVoice(r.u8() != 0, r.u8(), r.restHex());
                case 0x8A -> new ModifyCharge(r.u8(), Units.portFromWire(r.u8()), r.u16());
                case 0x8B -> new ReadEeprom(r.u16(), r.u8());
                case 0x8C -> new WriteEeprom(r.u16(), r.hex(r.u8()));
                case 0x8D, 0x8F -> new Mode(r.u8());
                case 0x8E -> qrUrl(r);
                case 0x95 -> new TemporaryQr(r.ascii(200));
                case 0x96 -> new Locate(r.u8());
                case 0x97 -> new Mute(r.u8() != 0);
                case 0x98 -> new MultiFunction(r.u8(), Units.portFromWire(r.u8()));
                case 0xE0, 0xE1, 0xE2, 0xF8, 0xF9, 0xFA -> new UpgradePacket(r.u16(), r.u16(), r.remaining());
                default -> null;
            });
        } catch (MalformedPayloadException e) {
            return Optional.empty();
        }
    }

    private static ChargeControl chargeControl(PayloadReader r) {
        int rateMode = r.u8();
        long balance = r.u32();
        int port = Units.portFromWire(r.u8());
        boolean start = r.u8() != 0;
        int value = r.u16();
        OrderNumber order = r.order();
        ChargeControl.Builder control = ChargeControl.builder(start, rateMode, balance, port, value, order)
                .maxDurationSeconds(r.u16()).overloadPowerDeciWatts(r.u16());
        if (r.remaining() < 8) {
            return control.withoutTrailingFields().build();
        }
        return control.qrLightOff(r.u8()).longChargeMode(r.u8()).extraFloatSeconds(r.u16()).shortCircuitCheck(r.u8())
                .noUnplugDetect(r.u8()).forceStopWhenFull(r.u8()).fullPowerWatts(r.u8())
                .fullPowerCheckMinutes(r.optU8()).build();
    }

    private static QrUrl qrUrl(PayloadReader r) {
        int mainScreen = r.u8();
        r.bytes(3);
        return new QrUrl(mainScreen, r.ascii(72));
    }

    private static SetFsk setFsk(PayloadReader r) {
        int frequency = r.u16();
        r.bytes(3);
        int n = r.u8();
        List<String> slaves = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            slaves.add(DeviceIds.format((int) r.u32()));
        }
        return new SetFsk(frequency, slaves);
    }
}
