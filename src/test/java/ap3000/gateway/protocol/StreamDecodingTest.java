package ap3000.gateway.protocol;

import static ap3000.gateway.protocol.Wire.hex;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** Sticky and split packets, garbage and resync (reference 1.12 and section 7). */
class StreamDecodingTest {

    private static final byte[] ICCID = hex("3839383630344439313632333930343838323937");
    private static final byte[] REGISTER = hex("444e590f00cd28a2040108208002021e31069703");
    private static final byte[] HEARTBEAT = hex("444e591000f36ca204b901212b09020000005d6e04");
    private static final byte[] TIME = hex("444e590900f36ca2040200120d03");
    private static final byte[] LINK = hex("6c696e6b");

    private final ProtocolErrors errors = new ProtocolErrors(60_000);

    @Test
    void should_decode_several_messages_from_one_read() {
        List<Inbound> out = Wire.decode(errors, concat(ICCID, REGISTER, LINK, HEARTBEAT, TIME));
        assertThat(out).hasSize(5);
        assertThat(out.get(0)).isInstanceOf(Inbound.Iccid.class);
        assertThat(out.get(2)).isInstanceOf(Inbound.Link.class);
        assertThat(commands(out)).containsExactly(0x20, 0x21, 0x12);
        assertNoErrors();
    }

    @Test
    void should_decode_a_stream_split_into_single_bytes() {
        byte[] stream = concat(ICCID, REGISTER, LINK, HEARTBEAT, TIME);
        byte[][] reads = new byte[stream.length][];
        for (int i = 0; i < stream.length; i++) {
            reads[i] = new byte[]{stream[i]};
        }
        List<Inbound> out = Wire.decode(errors, reads);
        assertThat(out).hasSize(5);
        assertThat(commands(out)).containsExactly(0x20, 0x21, 0x12);
        assertNoErrors();
    }

    @Test
    void should_decode_a_stream_split_at_random_points() {
        byte[] stream = concat(ICCID, REGISTER, HEARTBEAT, LINK, TIME, HEARTBEAT, REGISTER);
        Random random = new Random(42);
        for (int run = 0; run < 200; run++) {
            List<byte[]> reads = new java.util.ArrayList<>();
            int pos = 0;
            while (pos < stream.length) {
                int n = 1 + random.nextInt(30);
                reads.add(Arrays.copyOfRange(stream, pos, Math.min(stream.length, pos + n)));
                pos += n;
            }
            assertThat(Wire.decode(errors, reads.toArray(new byte[0][]))).hasSize(7);
        }
        assertNoErrors();
    }

    @Test
    void should_skip_garbage_between_frames_and_count_it_once() {
        List<Inbound> out = Wire.decode(errors, concat(REGISTER, hex("00FF1234ABCD"), HEARTBEAT));
        assertThat(commands(out)).containsExactly(0x20, 0x21);
        assertThat(errors.count(ProtocolErrors.Kind.GARBAGE)).isEqualTo(1);
    }

    @Test
    void should_resync_after_a_bad_checksum_without_losing_the_next_frame() {
        byte[] bad = REGISTER.clone();
        bad[bad.length - 1] ^= 0x01;
        List<Inbound> out = Wire.decode(errors, concat(bad, HEARTBEAT));
        assertThat(commands(out)).containsExactly(0x21);
        assertThat(errors.count(ProtocolErrors.Kind.BAD_CHECKSUM)).isEqualTo(1);
        assertThat(errors.count(ProtocolErrors.Kind.GARBAGE)).isZero();
    }

    @Test
    void should_reject_an_oversized_length_before_waiting_for_its_bytes() {
        List<Inbound> out = Wire.decode(errors, concat(hex("444E59FFFF"), HEARTBEAT));
        assertThat(commands(out)).containsExactly(0x21);
        assertThat(errors.count(ProtocolErrors.Kind.BAD_LENGTH)).isEqualTo(1);
    }

    @Test
    void should_reject_a_length_below_the_minimum() {
        List<Inbound> out = Wire.decode(errors, concat(hex("444E590800"), HEARTBEAT));
        assertThat(commands(out)).containsExactly(0x21);
        assertThat(errors.count(ProtocolErrors.Kind.BAD_LENGTH)).isEqualTo(1);
    }

    @Test
    void should_not_trust_a_dny_header_that_occurs_inside_data() {
        // "DNY" + a plausible length inside garbage: the checksum fails and the real frame behind it still decodes.
        byte[] fake = hex("444E590A0001020304050607");
        List<Inbound> out = Wire.decode(errors, concat(fake, HEARTBEAT));
        assertThat(commands(out)).containsExactly(0x21);
        assertThat(errors.count(ProtocolErrors.Kind.BAD_CHECKSUM)).isEqualTo(1);
    }

    @Test
    void should_keep_half_a_frame_until_the_rest_arrives() {
        byte[] first = Arrays.copyOf(HEARTBEAT, 7);
        byte[] rest = Arrays.copyOfRange(HEARTBEAT, 7, HEARTBEAT.length);
        assertThat(commands(Wire.decode(errors, first, rest))).containsExactly(0x21);
        assertNoErrors();
    }

    @Test
    void should_accept_the_iccid_only_once_per_connection() {
        List<Inbound> out = Wire.decode(errors, concat(ICCID, HEARTBEAT, ICCID, HEARTBEAT));
        assertThat(out.stream().filter(m -> m instanceof Inbound.Iccid)).hasSize(1);
        assertThat(commands(out)).containsExactly(0x21, 0x21);
        assertThat(errors.count(ProtocolErrors.Kind.GARBAGE)).isEqualTo(1);
    }

    @Test
    void should_keep_an_unknown_command_as_a_raw_frame() {
        DnyFrame unknown = new DnyFrame(0x04A228CD, 7, 0x23, hex("0102030405"));
        List<Inbound> out = Wire.decode(errors, unknown.toBytes());
        assertThat(out).hasSize(1);
        Inbound.Frame f = (Inbound.Frame) out.get(0);
        assertThat(f.frame()).isEqualTo(unknown);
        assertThat(f.payload()).isInstanceOf(Payload.Unparsed.class);
        assertThat(errors.count(ProtocolErrors.Kind.UNPARSED_PAYLOAD)).isEqualTo(1);
    }

    @Test
    void should_keep_a_settlement_too_short_for_its_fields_as_a_raw_frame() {
        DnyFrame shortSettlement = new DnyFrame(0x04A228CD, 8, 0x03, hex("100EE803"));
        Inbound.Frame f = (Inbound.Frame) Wire.decode(errors, shortSettlement.toBytes()).get(0);
        assertThat(((Payload.Unparsed) f.payload()).reason()).contains("0x03");
    }

    @Test
    void should_survive_random_bytes_and_still_decode_a_frame_after_them() {
        Random random = new Random(7);
        for (int run = 0; run < 500; run++) {
            byte[] noise = new byte[1 + random.nextInt(600)];
            random.nextBytes(noise);
            List<Inbound> out = Wire.decode(errors, noise, HEARTBEAT);
            assertThat(out).last().isInstanceOfSatisfying(Inbound.Frame.class,
                    f -> assertThat(f.frame().command()).isEqualTo(0x21));
        }
    }

    private void assertNoErrors() {
        for (ProtocolErrors.Kind kind : ProtocolErrors.Kind.values()) {
            assertThat(errors.count(kind)).as(kind.name()).isZero();
        }
    }

    private static List<Integer> commands(List<Inbound> out) {
        return out.stream().filter(m -> m instanceof Inbound.Frame).map(m -> ((Inbound.Frame) m).frame().command())
                .toList();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
