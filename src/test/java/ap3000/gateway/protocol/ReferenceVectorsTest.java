package ap3000.gateway.protocol;

import static ap3000.gateway.protocol.Wire.decodeOne;
import static ap3000.gateway.protocol.Wire.hex;
import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every valid frame of section 4 of the protocol reference, byte for byte: device frames decode to the documented
 * fields and re-encode to the same bytes; server frames built by {@link ServerCommands} equal the documented bytes.
 */
class ReferenceVectorsTest {

    private static final int DOC_DEVICE = 0x04AB373B;

    // ---- 4A real captures ------------------------------------------------------------------------------------

    @Test
    void should_decode_the_captured_iccid_and_link() {
        List<Inbound> out = Wire.decode(new ProtocolErrors(1000),
                hex("3839383630344439313632333930343838323937"), hex("6c696e6b"));
        assertThat(out).containsExactly(new Inbound.Iccid("898604D9162390488297"), new Inbound.Link());
    }

    @Test
    void should_decode_v3_host_time_request_as_command_0x12_not_a_card_swipe() {
        Inbound.Frame f = roundTrip("444e590900f36ca2040200120d03");
        assertThat(f.frame().deviceId()).isEqualTo("04A26CF3");
        assertThat(f.frame().messageId()).isEqualTo(0x0002);
        assertThat(f.frame().command()).isEqualTo(0x12);
        assertThat(f.payload()).isEqualTo(new Payload.TimeRequest());
    }

    @Test
    void should_decode_v8_register_without_power_board_field() {
        Inbound.Frame f = roundTrip("444e590f00cd28a2040108208002021e31069703");
        assertThat(f.frame().deviceId()).isEqualTo("04A228CD");
        assertThat(f.frame().messageId()).isEqualTo(0x0801);
        assertThat(f.payload()).isEqualTo(new Payload.Register(640, 2, 0x1E, 0x31, 0x06, null));
        assertThat(DeviceIds.printedNumber(f.frame().physicalId())).isEqualTo(10627277);
        assertThat(DeviceIds.kind(f.frame().physicalId())).isEqualTo(0x04);
    }

    @Test
    void should_decode_v12_heartbeat() {
        Inbound.Frame f = roundTrip("444e591000f36ca204b901212b09020000005d6e04");
        assertThat(f.payload()).isEqualTo(new Payload.Heartbeat(new BigDecimal("234.7"),
                List.of(port(1, 0), port(2, 0)), 0, 28));
    }

    @Test
    void should_decode_v14_old_heartbeat_with_trailing_work_mode_byte() {
        Inbound.Frame f = roundTrip("444e591d00f36ca204b8010180022b0902000000000000000000000a00315d001705");
        Payload.OldHeartbeat hb = (Payload.OldHeartbeat) f.payload();
        assertThat(hb.firmwareVersion()).isEqualTo(640);
        assertThat(hb.voltageVolts()).isEqualByComparingTo("234.7");
        assertThat(hb.ports()).extracting(Payload.PortReading::status).containsExactly(0, 0);
        assertThat(hb.ports()).extracting(Payload.PortReading::powerWatts)
                .containsExactly(new BigDecimal("0.0"), new BigDecimal("0.0"));
        assertThat(hb.virtualId()).isEqualTo(0x0A);
        assertThat(hb.signalStrength()).isZero();
        assertThat(hb.deviceType()).isEqualTo(0x31);
        assertThat(hb.temperatureCelsius()).isEqualTo(28);
        assertThat(hb.workMode()).isZero();
    }

    @Test
    void should_build_v18_start_command_in_the_37_byte_layout() {
        ChargeControl start = ChargeControl.start(0, 1000, 2, 60, OrderNumber.ofText("ORDER_2025061900")).build();
        DnyFrame frame = ServerCommands.chargeControl(0x04A26CF3, 0x0005, start);
        assertSentAs(frame, "444E592E00F36CA20405008200E803000001013C004F524445525F32303235303631393030000000000000"
                + "000002000000A408");
    }

    @Test
    void should_build_v26_locate_commands() {
        assertSentAs(ServerCommands.locate(0x04A228CD, 0x0016, 10), "444e590a00cd28a2041600960a4603");
        assertSentAs(ServerCommands.locate(0x04A26CF3, 0x0018, 10), "444e590a00f36ca2041800960ab203");
    }

    @Test
    void should_build_the_captured_time_reply_whose_checksum_the_log_cut_off() {
        DnyFrame request = new DnyFrame(0x04A228CD, 0x0879, 0x22, new byte[0]);
        assertSentAs(ServerCommands.time(request, 0x685CEE63L), "444E590D00CD28A20479082263EE5C684B05");
    }

    // ---- 4B vendor document examples --------------------------------------------------------------------------

    @Test
    void should_decode_and_answer_doc_old_heartbeat() {
        Inbound.Frame f = roundTrip("44 4E 59 1D 00 3B 37 AB 04 B9 00 01 7E 00 8C 08 02 00 03 00 00 E4 00 00 00 3B 02"
                + " 29 07 02 20 00 6D 05");
        Payload.OldHeartbeat hb = (Payload.OldHeartbeat) f.payload();
        assertThat(f.frame().physicalId()).isEqualTo(DOC_DEVICE);
        assertThat(hb.firmwareVersion()).isEqualTo(126);
        assertThat(hb.voltageVolts()).isEqualByComparingTo("218.8");
        assertThat(hb.ports()).containsExactly(
                new Payload.PortReading(1, 0, new BigDecimal("0.0"), new BigDecimal("0.0")),
                new Payload.PortReading(2, 3, new BigDecimal("22.8"), new BigDecimal("57.1")));
        assertSentAs(ServerCommands.ok(f.frame()), "44 4E 59 0A 00 3B 37 AB 04 B9 00 01 00 D0 02");
    }

    @Test
    void should_decode_and_answer_doc_register_with_undocumented_extra_bytes() {
        Inbound.Frame f = roundTrip("44 4E 59 13 00 3B 37 AB 04 B9 00 20 7E 00 02 14 21 00 00 00 E4 00 91 04");
        assertThat(f.payload()).isEqualTo(new Payload.Register(126, 2, 0x14, 0x21, 0, 0));
        assertSentAs(ServerCommands.ok(f.frame()), "44 4E 59 0A 00 3B 37 AB 04 B9 00 20 00 EF 02");
    }

    @Test
    void should_answer_doc_time_request_with_unix_seconds() {
        Inbound.Frame f = roundTrip("44 4E 59 09 00 3B 37 AB 04 B9 00 22 F0 02");
        assertThat(f.payload()).isEqualTo(new Payload.TimeRequest());
        assertSentAs(ServerCommands.time(f.frame(), 0x5FA90E09L), "44 4E 59 0D 00 3B 37 AB 04 B9 00 22 09 0E A9 5F 13 04");
    }

    @Test
    void should_decode_and_answer_doc_heartbeat() {
        Inbound.Frame f = roundTrip("44 4E 59 10 00 3B 37 AB 04 01 00 21 98 08 02 00 00 09 05 EE 02");
        Payload.Heartbeat hb = (Payload.Heartbeat) f.payload();
        assertThat(hb.voltageVolts()).isEqualByComparingTo("220.0");
        assertThat(hb.ports()).containsExactly(port(1, 0), port(2, 0));
        assertThat(hb.signalStrength()).isEqualTo(9);
        assertSentAs(ServerCommands.ok(f.frame()), "44 4E 59 0A 00 3B 37 AB 04 01 00 21 00 38 02");
    }

    @Test
    void should_decode_and_answer_doc_card_swipe() {
        Inbound.Frame f = roundTrip("44 4E 59 11 00 3B 37 AB 04 01 00 02 7A 8D 05 DD 00 01 00 00 0A 04");
        Payload.CardSwipe swipe = (Payload.CardSwipe) f.payload();
        assertThat(swipe).isEqualTo(new Payload.CardSwipe("7A8D05DD", 0, 2, 0, null, null));
        assertSentAs(ServerCommands.cardSwipeReply(f.frame(), swipe, 0, 0, 10000),
                "44 4E 59 14 00 3B 37 AB 04 01 00 02 7A 8D 05 DD 00 00 10 27 00 00 01 44 04");
    }

    @Test
    void should_decode_and_answer_doc_settlement_in_the_31_byte_form() {
        Inbound.Frame f = roundTrip("44 4E 59 28 00 3B 37 AB 04 01 00 03 10 0E E8 03 30 00 01 01 00 00 00 00 01 20 19"
                + " 09 01 18 00 00 13 00 30 38 01 02 03 04 05 E8 03 44 05");
        Payload.Settlement s = (Payload.Settlement) f.payload();
        assertThat(s.durationSeconds()).isEqualTo(3600);
        assertThat(s.maxPowerWatts()).isEqualByComparingTo("100.0");
        assertThat(s.energyKwh()).isEqualByComparingTo("0.48");
        assertThat(s.port()).isEqualTo(2);
        assertThat(s.startMode()).isEqualTo(1);
        assertThat(s.cardId()).isEqualTo("00000000");
        assertThat(s.stopReason()).isEqualTo(1);
        assertThat(s.order().text()).isEqualTo("20190901180000130030380102030405");
        assertThat(s.secondMaxPowerWatts()).isEqualByComparingTo("100.0");
        assertThat(s.deviceTime()).isNull();
        assertSentAs(ServerCommands.ok(f.frame()), "44 4E 59 0A 00 3B 37 AB 04 01 00 03 00 1A 02");
    }

    @Test
    void should_decode_doc_power_heartbeat_at_the_documented_offsets() {
        Inbound.Frame f = roundTrip("44 4E 59 32 00 3B 37 AB 04 0A 00 06 01 01 10 0E 30 00 01 E8 03 B0 04 20 03 E8 03 20"
                + " 19 09 01 18 00 00 13 00 30 38 01 02 03 04 05 01 00 E8 03 98 08 C7 01 55 00 DA 08");
        Payload.PowerHeartbeat p = (Payload.PowerHeartbeat) f.payload();
        assertThat(p.port()).isEqualTo(2);
        assertThat(p.portStatus()).isEqualTo(1);
        assertThat(p.isCharging()).isTrue();
        assertThat(p.durationSeconds()).isEqualTo(3600);
        assertThat(p.energyKwh()).isEqualByComparingTo("0.48");
        assertThat(p.startMode()).isEqualTo(1);
        assertThat(p.powerWatts()).isEqualByComparingTo("100.0");
        assertThat(p.maxPowerWatts()).isEqualByComparingTo("120.0");
        assertThat(p.minPowerWatts()).isEqualByComparingTo("80.0");
        assertThat(p.averagePowerWatts()).isEqualByComparingTo("100.0");
        assertThat(p.intervalEnergyRaw()).isEqualTo(1);
        assertThat(p.peakPowerWatts()).isEqualByComparingTo("100.0");
        assertThat(p.voltageVolts()).isEqualByComparingTo("220.0");
        assertThat(p.currentAmps()).isEqualByComparingTo("0.455");
        assertThat(p.ambientTemperatureCelsius()).isEqualTo(20);
        assertThat(p.portTemperatureCelsius()).isNull();
        assertThat(p.deviceTime()).isNull();
    }

    @Test
    void should_build_doc_query_network() {
        assertSentAs(ServerCommands.withoutData(DOC_DEVICE, 1, Command.QUERY_NETWORK), "44 4E 59 09 00 3B 37 AB 04 01 00 81 97 02");
    }

    @Test
    void should_build_doc_start_in_the_old_29_byte_layout_and_decode_its_ack() {
        ChargeControl start = ChargeControl.start(0, 356, 2, 0, new OrderNumber(hex("12345678123456781234567812345678")))
                .maxDurationSeconds(28800).overloadPowerDeciWatts(5000).withoutTrailingFields().build();
        assertSentAs(ServerCommands.chargeControl(DOC_DEVICE, 2, start), "44 4E 59 26 00 3B 37 AB 04 02 00 82 00 64 01 00"
                + " 00 01 01 00 00 12 34 56 78 12 34 56 78 12 34 56 78 12 34 56 78 80 70 88 13 F8 08");

        Inbound.Frame ack = roundTrip("44 4E 59 1D 00 3B 37 AB 04 02 00 82 00 12 34 56 78 12 34 56 78 12 34 56 78 12 34 56"
                + " 78 01 00 00 FE 06");
        assertThat(ack.payload()).isEqualTo(new Payload.ChargeControlAck(0,
                new OrderNumber(hex("12345678123456781234567812345678")), 2, 0));
    }

    @Test
    void should_build_doc_modify_charge_and_decode_its_ack() {
        assertSentAs(ServerCommands.modifyCharge(DOC_DEVICE, 2, 0, 2, 28800), "44 4E 59 0D 00 3B 37 AB 04 02 00 8A 00 01 80 70 96 03");
        assertResultAck("44 4E 59 0A 00 3B 37 AB 04 02 00 8A 00 A2 02", 0x8A);
    }

    @Test
    void should_build_doc_charge_limits_in_the_old_4_byte_form_and_decode_its_ack() {
        DeviceParameters limits = new DeviceParameters.ChargeLimits(36000, 20000, null, null);
        assertSentAs(ServerCommands.setParameters(DOC_DEVICE, 2, limits), "44 4E 59 0D 00 3B 37 AB 04 02 00 85 A0 8C 20 4E 3A 04");
        assertResultAck("44 4E 59 0A 00 3B 37 AB 04 02 00 85 00 9D 02", 0x85);
    }

    @Test
    void should_build_doc_card_parameters_and_decode_its_ack() {
        DeviceParameters card = new DeviceParameters.CardParams(0, "159185191880", "FFFFFFFFFFFF");
        assertSentAs(ServerCommands.setParameters(DOC_DEVICE, 2, card),
                "44 4E 59 16 00 3B 37 AB 04 02 00 86 00 15 91 85 19 18 80 FF FF FF FF FF FF 80 0A");
        assertResultAck("44 4E 59 0A 00 3B 37 AB 04 02 00 86 00 9E 02", 0x86);
    }

    @Test
    void should_build_doc_reboot_and_clear_memory_and_decode_their_acks() {
        assertSentAs(ServerCommands.withoutData(DOC_DEVICE, 1, Command.REBOOT), "44 4E 59 09 00 3B 37 AB 04 01 00 87 9D 02");
        assertResultAck("44 4E 59 0A 00 3B 37 AB 04 01 00 87 00 9E 02", 0x87);
        assertSentAs(ServerCommands.withoutData(DOC_DEVICE, 1, Command.CLEAR_MEMORY), "44 4E 59 09 00 3B 37 AB 04 01 00 88 9E 02");
        assertResultAck("44 4E 59 0A 00 3B 37 AB 04 01 00 88 00 9F 02", 0x88);
    }

    @Test
    void should_build_doc_work_mode_whose_ack_has_the_same_bytes() {
        assertSentAs(ServerCommands.setWorkMode(DOC_DEVICE, 1, 0), "44 4E 59 0A 00 3B 37 AB 04 01 00 8D 00 A4 02");
        assertResultAck("44 4E 59 0A 00 3B 37 AB 04 01 00 8D 00 A4 02", 0x8D);
    }

    @Test
    void should_build_doc_self_download_trigger() {
        assertSentAs(ServerCommands.withoutData(DOC_DEVICE, 1, Command.SELF_DOWNLOAD_UPGRADE),
                "44 4E 59 09 00 3B 37 AB 04 01 00 E4 FA 02");
    }

    @Test
    void should_decode_doc_host_heartbeat_in_the_32_byte_form() {
        Inbound.Frame f = roundTrip("44 4E 59 29 00 84 26 D6 09 04 00 11 65 00 01 5C 5C A9 5F 1F 06 38 39 38 36 30 34"
                + " 31 33 31 36 31 38 39 32 30 30 39 32 37 35 50 D8 01 3F 0A");
        assertThat(f.frame().deviceId()).isEqualTo("09D62684");
        assertThat(f.payload()).isEqualTo(new Payload.HostHeartbeat(101, 1, 0x5FA95C5CL, 31, 6,
                "89860413161892009275", 0x50, 472, null, null));
    }

    @Test
    void should_answer_doc_host_time_request() {
        Inbound.Frame f = roundTrip("44 4E 59 09 00 84 26 D6 09 05 00 12 94 02");
        assertSentAs(ServerCommands.time(f.frame(), 1604934878L), "44 4E 59 0D 00 84 26 D6 09 05 00 12 DE 5C A9 5F DA 04");
    }

    @Test
    void should_build_doc_change_server_address() {
        assertSentAs(ServerCommands.changeServer(0x76BE0870, 0, 8888, 3, true, "baidu.com"),
                "44 4E 59 3B 00 70 08 BE 76 00 00 34 B8 22 03 01 62 61 69 64 75 2E 63 6F 6D" + " 00".repeat(37) + " 56 07");
    }

    // ---- 4C simulator and test frames -------------------------------------------------------------------------

    @Test
    void should_decode_simulator_register_with_power_board_version() {
        Inbound.Frame f = roundTrip("444e59110040aace04010020c800020021000000c403");
        assertThat(f.frame().deviceId()).isEqualTo("04CEAA40");
        assertThat(DeviceIds.printedNumber(f.frame().physicalId())).isEqualTo(13544000);
        assertThat(f.payload()).isEqualTo(new Payload.Register(200, 2, 0, 0x21, 0, 0));
    }

    @Test
    void should_decode_simulator_card_swipe_with_timestamp() {
        Inbound.Frame f = roundTrip("444e59160040aace040200027a8d05dd000100000aca3d68002406");
        assertThat(f.payload()).isEqualTo(new Payload.CardSwipe("7A8D05DD", 0, 2, 0, 0x683DCA0AL, null));
    }

    @Test
    void should_decode_simulator_settlement_with_ascii_order_and_timestamp() {
        Inbound.Frame f = roundTrip("444e592c0040aace040300030807e803960001010000000001544553545f4f524445525f3030313233"
                + "e8030dca3d68430b");
        Payload.Settlement s = (Payload.Settlement) f.payload();
        assertThat(s.durationSeconds()).isEqualTo(1800);
        assertThat(s.maxPowerWatts()).isEqualByComparingTo("100.0");
        assertThat(s.energyKwh()).isEqualByComparingTo("1.50");
        assertThat(s.stopReason()).isEqualTo(1);
        assertThat(s.order().text()).isEqualTo("TEST_ORDER_00123");
        assertThat(s.deviceTime()).isEqualTo(0x683DCA0DL);
        assertThat(s.occupancyMinutes()).isNull();
    }

    @Test
    void should_decode_simulator_heartbeat() {
        Inbound.Frame f = roundTrip("444e59100040aace040400219808020000005ad803");
        assertThat(f.payload()).isEqualTo(new Payload.Heartbeat(new BigDecimal("220.0"),
                List.of(port(1, 0), port(2, 0)), 0, 25));
    }

    @Test
    void should_build_the_iot_zinx_test_frames() {
        ChargeControl start = ChargeControl.start(0, 1010, 1, 60, OrderNumber.ofText("ORDER_2025061909")).build();
        assertSentAs(ServerCommands.chargeControl(0x04A228CD, 2, start), "444E592E00CD28A20402008200F203000000013C004F"
                + "524445525F323032353036313930390000000000000000020000004908");
        assertSentAs(ServerCommands.locate(0x04A26CF3, 1, 10), "444E590A00F36CA2040100960A9B03");
    }

    @ParameterizedTest
    @ValueSource(strings = {"444E590A00F36CA204A0C096010604", "444e591000cd28a204f107216b09020000006140ed",
            "444e591000cd28a204f1078201010001003c00691a", "444e591000cd28a204f207820001000100000098d5",
            "444e590800cd28a204f30722a103", "444e590f00f36ca2040600208002020a31065704",
            "444e590d00f36ca2042000013c0201063302"})
    void should_reject_every_bad_vector_of_the_reference(String bad) {
        ProtocolErrors errors = new ProtocolErrors(1000);
        assertThat(Wire.decode(errors, hex(bad))).isEmpty();
        assertThat(errors.count(ProtocolErrors.Kind.BAD_CHECKSUM) + errors.count(ProtocolErrors.Kind.BAD_LENGTH))
                .isEqualTo(1);
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    private static Payload.PortReading port(int port, int status) {
        return new Payload.PortReading(port, status, null, null);
    }

    /** Decodes a device frame and checks that encoding it again gives the same bytes. */
    private static Inbound.Frame roundTrip(String hexFrame) {
        Inbound.Frame f = decodeOne(hexFrame);
        assertThat(f.frame().toHex()).isEqualTo(hex(hex(hexFrame)));
        return f;
    }

    /** The frame's wire bytes equal the reference's, and the decoder reads them back as the same frame. */
    private static void assertSentAs(DnyFrame frame, String expectedHex) {
        assertThat(frame.toHex()).isEqualTo(hex(hex(expectedHex)));
        assertThat(decodeOne(expectedHex).frame()).isEqualTo(frame);
    }

    private static void assertResultAck(String hexFrame, int command) {
        Inbound.Frame f = roundTrip(hexFrame);
        assertThat(f.payload()).isEqualTo(new Payload.ResultAck(command, 0, null));
    }
}
