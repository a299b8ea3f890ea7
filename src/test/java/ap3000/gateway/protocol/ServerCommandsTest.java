package ap3000.gateway.protocol;

import static ap3000.gateway.protocol.Wire.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

/**
 * The server-to-device builders the reference gives layouts but no example frames for (section 2.4, 2.5): each
 * data part byte for byte, each range check, and every frame readable again by the decoder where a device may
 * send its length.
 */
class ServerCommandsTest {

    private static final int DEVICE = 0x04A228CD;
    private static final DnyFrame REQUEST = new DnyFrame(DEVICE, 0x0101, 0x04, new byte[0]);

    @Test
    void should_build_replies_to_order_confirm_and_host_upgrade_request() {
        assertData(ServerCommands.orderConfirmReply(REQUEST, 2, 0), "0100");
        assertData(ServerCommands.hostUpgradeReply(new DnyFrame(DEVICE, 7, 0x15, new byte[0]), 0), "00");
    }

    @Test
    void should_build_play_voice_and_eeprom_access() {
        assertData(ServerCommands.playVoice(DEVICE, 1, true, 2, new byte[]{5, 6}), "01020506");
        assertData(ServerCommands.readEeprom(DEVICE, 1, 0x0100, 16), "000110");
        assertData(ServerCommands.writeEeprom(DEVICE, 1, 0x0010, new byte[]{(byte) 0xAA, (byte) 0xBB}), "100002AABB");
        assertThatThrownBy(() -> ServerCommands.readEeprom(DEVICE, 1, 0, 33)).hasMessageContaining("1..32");
        assertThatThrownBy(() -> ServerCommands.writeEeprom(DEVICE, 1, 0, new byte[33])).hasMessageContaining("1..32");
    }

    @Test
    void should_build_the_qr_url_padded_to_72_bytes_after_three_reserved_ones() {
        DnyFrame frame = ServerCommands.setQrUrl(DEVICE, 1, 1, "http://ap3200.haokuaichong.cn/ap3200/");
        assertThat(frame.data()).hasSize(76);
        assertThat(hex(Arrays.copyOf(frame.data(), 4))).isEqualTo("01000000");
        assertThat(new String(frame.data(), 4, 37, java.nio.charset.StandardCharsets.US_ASCII))
                .isEqualTo("http://ap3200.haokuaichong.cn/ap3200/");
        assertThat(Arrays.copyOfRange(frame.data(), 41, 76)).containsOnly(0);
        assertThatThrownBy(() -> ServerCommands.setQrUrl(DEVICE, 1, 1, "x".repeat(72))).hasMessageContaining("71");
    }

    @Test
    void should_build_work_modes_mute_and_temporary_qr() {
        assertData(ServerCommands.setTcCardMode(DEVICE, 1, 6), "06");
        assertThatThrownBy(() -> ServerCommands.setTcCardMode(DEVICE, 1, 7)).hasMessageContaining("0..6");
        assertThatThrownBy(() -> ServerCommands.setWorkMode(DEVICE, 1, 2)).hasMessageContaining("0..1");
        assertData(ServerCommands.setMute(DEVICE, 1, true), "01");
        DnyFrame qr = ServerCommands.temporaryQr(DEVICE, 1, "abc");
        assertThat(qr.data()).hasSize(200);
        assertThat(hex(Arrays.copyOf(qr.data(), 4))).isEqualTo("61626300");
        assertThatThrownBy(() -> ServerCommands.locate(DEVICE, 1, 0)).hasMessageContaining("1..255");
    }

    @Test
    void should_build_cabinet_commands_with_0_based_ports() {
        assertData(ServerCommands.multiFunction(DEVICE, 1, 0, 2), "0001");
        assertData(ServerCommands.cabinetStop(DEVICE, 1, 1, OrderNumber.ofText("O1")), "00" + "4F31" + "00".repeat(14));
    }

    @Test
    void should_build_the_fsk_slave_list() {
        assertData(ServerCommands.setFsk(0x09D62684, 1, 472, new int[]{0x04A228CD, 0x04A26CF3}),
                "D801" + "000000" + "02" + "CD28A204" + "F36CA204");
    }

    @Test
    void should_build_upgrade_packets_of_200_and_256_bytes() {
        byte[] firmware200 = new byte[200];
        firmware200[0] = 0x11;
        DnyFrame slave = ServerCommands.upgradePacket(DEVICE, 1, Command.UPGRADE_SLAVE, 10, 1, firmware200);
        assertThat(hex(Arrays.copyOf(slave.data(), 5))).isEqualTo("0A00010011");
        assertThat(Wire.decodeOne(hex(slave.toBytes())).frame()).isEqualTo(slave);

        // old upgrades carry 256 bytes: Length 269, more than a device may send, so the encoder has no such cap
        DnyFrame old = ServerCommands.upgradePacket(DEVICE, 1, Command.UPGRADE_OLD, 3, 3, new byte[256]);
        byte[] wire = old.toBytes();
        assertThat(wire).hasSize(5 + 269);
        assertThat((wire[3] & 0xFF) | (wire[4] & 0xFF) << 8).isEqualTo(269);
        assertThat(DnyFrame.checksum(wire, 0, wire.length - 2))
                .isEqualTo((wire[wire.length - 2] & 0xFF) | (wire[wire.length - 1] & 0xFF) << 8);

        assertThatThrownBy(() -> ServerCommands.upgradePacket(DEVICE, 1, Command.UPGRADE_OLD, 3, 1, firmware200))
                .hasMessageContaining("256");
        assertThatThrownBy(() -> ServerCommands.upgradePacket(DEVICE, 1, Command.UPGRADE_SLAVE, 3, 0, firmware200))
                .hasMessageContaining("packet");
        assertThatThrownBy(() -> ServerCommands.upgradePacket(DEVICE, 1, Command.LOCATE, 3, 1, firmware200))
                .hasMessageContaining("not an upgrade command");
    }

    @Test
    void should_read_each_start_layout_back_into_the_command_it_was_built_from() {
        OrderNumber order = OrderNumber.ofText("ROUNDTRIP");
        for (ChargeControl control : new ChargeControl[]{
                ChargeControl.start(1, 20, 3, 90, order).maxDurationSeconds(600).withoutTrailingFields().build(),
                ChargeControl.start(0, 1000, 2, 60, order).overloadPowerDeciWatts(5000).build(),
                ChargeControl.start(2, 500, 255, 150, order).fullPowerWatts(30).fullPowerCheckMinutes(10).build(),
                ChargeControl.stop(4, order)}) {
            DnyFrame frame = ServerCommands.chargeControl(DEVICE, 9, control);
            assertThat(ServerFrameReader.read(frame)).contains(control);
        }
        assertThat(ChargeControl.stop(4, order).toBytes()).hasSize(37);
        assertThatThrownBy(() -> ChargeControl.start(0, 0, 1, 0, order).withoutTrailingFields().qrLightOff(1).build())
                .hasMessageContaining("all together");
    }

    @Test
    void should_build_the_full_38_byte_start_and_the_run_parameter_blocks() {
        ChargeControl full = ChargeControl.start(2, 500, 255, 150, OrderNumber.ofText("FULL")).maxDurationSeconds(7200)
                .overloadPowerDeciWatts(20000).qrLightOff(1).longChargeMode(1).extraFloatSeconds(0xFFFF)
                .shortCircuitCheck(2).noUnplugDetect(1).forceStopWhenFull(1).fullPowerWatts(30).fullPowerCheckMinutes(10)
                .build();
        byte[] data = full.toBytes();
        assertThat(data).hasSize(38);
        assertThat(data[5] & 0xFF).isEqualTo(0xFF); // "device chooses" stays 0xFF on the wire
        assertThat(hex(Arrays.copyOfRange(data, 25, 38))).isEqualTo("201C204E0101FFFF020101" + "1E0A");

        DeviceParameters.RunParams1 run1 = new DeviceParameters.RunParams1(3, 10, 20, 1800, 3600, 180);
        assertData(ServerCommands.setParameters(DEVICE, 1, run1), "03000A00140807100EB400");
        // the device answers a 0x90 query with the same layout
        DnyFrame answer = new DnyFrame(DEVICE, 1, 0x90, run1.toBytes());
        assertThat(PayloadDecoder.decode(answer)).isEqualTo(new Payload.ParametersAck(0x90, run1));
    }

    private static void assertData(DnyFrame frame, String expectedHex) {
        assertThat(hex(frame.data())).isEqualTo(expectedHex);
    }
}
