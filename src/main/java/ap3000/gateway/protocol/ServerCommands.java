package ap3000.gateway.protocol;

import java.util.HexFormat;

/**
 * Builds every server-to-device frame of the reference: replies to device requests (same physical ID, message
 * ID and command, 1.10) and commands the server starts (2.4, 2.5). Checks each field's range before anything
 * reaches the wire.
 */
public final class ServerCommands {

    /** Result byte meaning "ok" in replies to 0x01, 0x20, 0x21, 0x03 and in most device acks. */
    public static final byte OK = 0x00;

    private ServerCommands() {
    }

    // ---- replies to device requests -------------------------------------------------------------------------

    /** {@code [00]}: the reply to 0x01 / 0x21 heartbeats, 0x20 register and 0x03 settlement. */
    public static DnyFrame ok(DnyFrame request) {
        return request.reply(OK);
    }

    /** The reply to 0x22 / 0x12: uint32 LE Unix seconds. */
    public static DnyFrame time(DnyFrame request, long epochSeconds) {
        return request.reply(new PayloadWriter().u32(epochSeconds).toBytes());
    }

    /**
     * The 11-byte reply to a 0x02 card swipe: card ID echo, account status (3.6), rate mode (3.5), balance in fen
     * (or validity timestamp for monthly), port echo.
     */
    public static DnyFrame cardSwipeReply(DnyFrame request, Payload.CardSwipe swipe, int accountStatus,
                                          int rateMode, long balanceOrValidity) {
        return request.reply(new PayloadWriter().raw(HexFormat.of().parseHex(swipe.cardId()))
                .u8(accountStatus).u8(rateMode).u32(balanceOrValidity).u8(Units.portToWire(swipe.port()))
                .toBytes());
    }

    /** The reply to a 0x04 order confirm: port and result. */
    public static DnyFrame orderConfirmReply(DnyFrame request, int port, int result) {
        return request.reply(new PayloadWriter().u8(Units.portToWire(port)).u8(result).toBytes());
    }

    /** The one-byte reply to a 0x15 host upgrade request. */
    public static DnyFrame hostUpgradeReply(DnyFrame request, int result) {
        return request.reply((byte) result);
    }

    // ---- commands the server starts ----------------------------------------------------------------------

    /**
     * Commands without data: 0x81 query network, 0x87 reboot, 0x88 clear memory, 0x90-0x93 parameter queries,
     * 0x31-0x33 host reboots, 0xE4 self-download trigger, 0xFA host upgrade trigger.
     */
    public static DnyFrame withoutData(int physicalId, int messageId, Command command) {
        return new DnyFrame(physicalId, messageId, command.code(), new byte[0]);
    }

    /** 0x82 start or stop charging. */
    public static DnyFrame chargeControl(int physicalId, int messageId, ChargeControl control) {
        return new DnyFrame(physicalId, messageId, Command.CHARGE_CONTROL.code(), control.toBytes());
    }

    /**
     * 0x8A modify a running order: mode 0 timed, 1 timed with stop-when-full, 2 by energy with stop-when-full;
     * value in seconds or 0.01 kWh.
     */
    public static DnyFrame modifyCharge(int physicalId, int messageId, int mode, int port, int value) {
        return new DnyFrame(physicalId, messageId, Command.MODIFY_CHARGE.code(),
                new PayloadWriter().u8(mode).u8(Units.portToWire(port)).u16(value).toBytes());
    }

    /** 0x83 / 0x84 / 0x85 / 0x86, chosen by the parameter block. */
    public static DnyFrame setParameters(int physicalId, int messageId, DeviceParameters parameters) {
        return new DnyFrame(physicalId, messageId, parameters.command().code(), parameters.toBytes());
    }

    /** 0x89 play voice (reserved by the vendor, "not usable yet"). */
    public static DnyFrame playVoice(int physicalId, int messageId, boolean interrupt, int count, byte[] voiceIds) {
        return new DnyFrame(physicalId, messageId, Command.PLAY_VOICE.code(),
                new PayloadWriter().u8(interrupt ? 1 : 0).u8(count).raw(voiceIds).toBytes());
    }

    /** 0x8B read at most 32 EEPROM bytes. */
    public static DnyFrame readEeprom(int physicalId, int messageId, int address, int length) {
        requireRange("EEPROM length", length, 1, 32);
        return new DnyFrame(physicalId, messageId, Command.READ_EEPROM.code(),
                new PayloadWriter().u16(address).u8(length).toBytes());
    }

    /** 0x8C write at most 32 EEPROM bytes. */
    public static DnyFrame writeEeprom(int physicalId, int messageId, int address, byte[] bytes) {
        requireRange("EEPROM length", bytes.length, 1, 32);
        return new DnyFrame(physicalId, messageId, Command.WRITE_EEPROM.code(),
                new PayloadWriter().u16(address).u8(bytes.length).raw(bytes).toBytes());
    }

    /** 0x8D work mode: 0 network, 1 card. */
    public static DnyFrame setWorkMode(int physicalId, int messageId, int mode) {
        return new DnyFrame(physicalId, messageId, Command.SET_WORK_MODE.code(), new byte[]{(byte) check(mode, 1)});
    }

    /** 0x8E QR code URL: main screen (0 port status, 1 QR), 3 reserved bytes, text NUL-padded to 72 bytes. */
    public static DnyFrame setQrUrl(int physicalId, int messageId, int mainScreen, String url) {
        return new DnyFrame(physicalId, messageId, Command.SET_QR_URL.code(),
                new PayloadWriter().u8(check(mainScreen, 1)).raw(new byte[3]).paddedAscii(url, 72).toBytes());
    }

    /** 0x8F TC card mode: 0 timed, 1 per use, 3 by energy, 4 fixed fee, 5 home, 6 free. */
    public static DnyFrame setTcCardMode(int physicalId, int messageId, int mode) {
        return new DnyFrame(physicalId, messageId, Command.SET_TC_CARD_MODE.code(),
                new byte[]{(byte) check(mode, 6)});
    }

    /** 0x95 temporary QR text for screen devices, NUL-padded to 200 bytes. */
    public static DnyFrame temporaryQr(int physicalId, int messageId, String text) {
        return new DnyFrame(physicalId, messageId, Command.TEMPORARY_QR.code(),
                new PayloadWriter().paddedAscii(text, 200).toBytes());
    }

    /** 0x96 sound and light locate for 1-255 seconds. */
    public static DnyFrame locate(int physicalId, int messageId, int seconds) {
        requireRange("locate seconds", seconds, 1, 255);
        return new DnyFrame(physicalId, messageId, Command.LOCATE.code(), new byte[]{(byte) seconds});
    }

    /** 0x97 run parameters 1.3: mute. */
    public static DnyFrame setMute(int physicalId, int messageId, boolean mute) {
        return new DnyFrame(physicalId, messageId, Command.SET_MUTE.code(), new byte[]{(byte) (mute ? 1 : 0)});
    }

    /** 0x98 multi-function; function 0 = force-open the cabinet door of a port. */
    public static DnyFrame multiFunction(int physicalId, int messageId, int function, int port) {
        return new DnyFrame(physicalId, messageId, Command.MULTI_FUNCTION.code(),
                new PayloadWriter().u8(function).u8(Units.portToWire(port)).toBytes());
    }

    /** 0x72 cabinet: stop charging without opening the door; needs the running order. */
    public static DnyFrame cabinetStop(int physicalId, int messageId, int port, OrderNumber order) {
        return new DnyFrame(physicalId, messageId, Command.CABINET_STOP.code(),
                new PayloadWriter().u8(Units.portToWire(port)).raw(order.bytes()).toBytes());
    }

    /**
     * 0x34 change the host's server address: TCP port, module type (1 WiFi, 2 2G, 3 4G), "Socket B" (must be on
     * for external platforms), host name or IP of at most 45 characters.
     */
    public static DnyFrame changeServer(int physicalId, int messageId, int tcpPort, int moduleType,
                                        boolean socketB, String host) {
        return new DnyFrame(physicalId, messageId, Command.CHANGE_SERVER.code(),
                new PayloadWriter().u16(tcpPort).u8(moduleType).u8(socketB ? 1 : 0).paddedAscii(host, 46)
                        .toBytes());
    }

    /** 0x3A FSK host parameters: frequency in MHz, 3 reserved bytes, the slaves' physical IDs. */
    public static DnyFrame setFsk(int physicalId, int messageId, int frequencyMhz, int[] slavePhysicalIds) {
        PayloadWriter w = new PayloadWriter().u16(frequencyMhz).raw(new byte[3]).u8(slavePhysicalIds.length);
        for (int id : slavePhysicalIds) {
            w.u32(id & 0xFFFFFFFFL);
        }
        return new DnyFrame(physicalId, messageId, Command.SET_FSK.code(), w.toBytes());
    }

    /**
     * One firmware packet: 0xE0/0xE1/0xE2/0xFA carry 200 bytes, the old 0xF8/0xF9 carry 256 (frames longer than
     * a device may send, which is why the encoder has no 256-byte cap). Packet numbers are 1-based.
     */
    public static DnyFrame upgradePacket(int physicalId, int messageId, Command command, int totalPackets,
                                         int packet, byte[] firmware) {
        int size = switch (command) {
            case UPGRADE_SLAVE, UPGRADE_POWER_BOARD, UPGRADE_HOST_UNIFIED, UPGRADE_HOST -> 200;
            case UPGRADE_OLD, UPGRADE_HOST_OLD -> 256;
            default -> throw new IllegalArgumentException(command + " is not an upgrade command");
        };
        if (firmware.length != size) {
            throw new IllegalArgumentException(command + " packets carry exactly " + size + " firmware bytes");
        }
        requireRange("packet", packet, 1, totalPackets);
        return new DnyFrame(physicalId, messageId, command.code(),
                new PayloadWriter().u16(totalPackets).u16(packet).raw(firmware).toBytes());
    }

    private static int check(int value, int max) {
        requireRange("value", value, 0, max);
        return value;
    }

    private static void requireRange(String what, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(what + " must be " + min + ".." + max + ", was " + value);
        }
    }
}
