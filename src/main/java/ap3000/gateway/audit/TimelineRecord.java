package ap3000.gateway.audit;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * A key event as its device's day timeline keeps it: the event's JSON, deflated against a preset dictionary of what
 * every event's JSON shares (field names, event types, the frame's "DNY" start), which takes a record to well under
 * half its size (docs/benchmarks.md, "Audit at fleet scale"): key events are kept a week, and their JSON was most of the
 * audit's memory. The same JSON always packs to the same bytes, so a batch written twice leaves one member.
 * The first byte says the format: {@link #DEFLATED_V1}, or '{' for the plain JSON earlier gateways wrote.
 */
final class TimelineRecord {

    static final byte DEFLATED_V1 = 1;
    /** Never change it: the records written with it are read with it. A new dictionary needs a new format byte. */
    private static final byte[] DICTIONARY = ("\"frame_hex\":\"444E59\",\"node\":\"\",\"connection_id\":"
            + "\"card_number\",\"settlement_type\":\"normal\",\"total_fee\":null,\"charge_fee\":null,\"service_fee\":null,"
            + "\"second_max_power\",\"device_time\",\"stop_reason\",\"stop_reason_desc\",\"end_time\",\"total_energy\","
            + "\"order_number\",\"response_code\",\"status_desc\",\"message_id\",\"command\",\"executed\",\"attempt\","
            + "\"port_status\",\"port_status_desc\",\"previous_status\",\"previous_status_desc\",\"fault_detected\","
            + "\"signal_strength\",\"temperature\",\"port_count\",\"port_statuses\",\"status\",\"status_desc\","
            + "\"conn_id\",\"remote_addr\",\"connect_time\",\"iccid\",\"device_type\",\"firmware_version\","
            + "\"charging_status\",\"charging_status_desc\",\"is_charging\":true,\"charge_duration\",\"order_id\":\""
            + "\"current_power\",\"cumulative_energy\",\"voltage\",\"current\",\"max_power\",\"min_power\","
            + "\"average_power\",\"peak_power\",\"start_mode\",\"port_temperature\",\"ambient_temperature\","
            + "\"event_type\":\"device_online\",\"device_register\",\"port_heartbeat\",\"device_heartbeat\","
            + "\"charging_command\",\"charging_start\",\"charging_failed\",\"charging_stopped\",\"command_ack\","
            + "\"charging_end\",\"settlement\",\"device_offline\",\"power_heartbeat\",\"data\":{\"command\":\"0x\","
            + "\"occurred_at_us\":17,\"direction\":\"in\",\"direction\":\"out\",\"port_number\":1,\"timestamp\":17"
            + "{\"event_id\":\"\",\"event_type\":\"\",\"device_id\":\"04\",\"port_number\":").getBytes(StandardCharsets.UTF_8);

    /**
     * One per thread, reset for each record: setting up a deflater (its window and tables) costs several times more
     * than packing one event with it (AuditBenchmark part 3).
     */
    private static final ThreadLocal<Deflater> DEFLATERS = ThreadLocal.withInitial(
            () -> new Deflater(Deflater.BEST_COMPRESSION, true));

    private TimelineRecord() {
    }

    static byte[] pack(String json) {
        byte[] input = json.getBytes(StandardCharsets.UTF_8);
        Deflater deflater = DEFLATERS.get();
        deflater.reset();
        deflater.setDictionary(DICTIONARY);
        deflater.setInput(input);
        deflater.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream(input.length / 2 + 16);
        out.write(DEFLATED_V1);
        byte[] buffer = new byte[512];
        while (!deflater.finished()) {
            out.write(buffer, 0, deflater.deflate(buffer));
        }
        return out.toByteArray();
    }

    /** The event's JSON; what is neither format is refused (anything read from Redis is untrusted). */
    static String unpack(byte[] member) {
        if (member.length > 0 && member[0] == '{') {
            return new String(member, StandardCharsets.UTF_8);
        }
        if (member.length < 2 || member[0] != DEFLATED_V1) {
            throw new IllegalArgumentException("not a timeline record (format byte " + (member.length == 0 ? "none"
                    : member[0]) + ")");
        }
        Inflater inflater = new Inflater(true);
        try {
            inflater.setDictionary(DICTIONARY);
            // raw DEFLATE needs one byte past the end to see it
            inflater.setInput(Arrays.copyOfRange(member, 1, member.length + 1));
            ByteArrayOutputStream out = new ByteArrayOutputStream(member.length * 3);
            byte[] buffer = new byte[1024];
            while (!inflater.finished()) {
                int n = inflater.inflate(buffer);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new IllegalArgumentException("a timeline record cut short");
                }
                out.write(buffer, 0, n);
                if (out.size() > MAX_JSON_BYTES) {
                    throw new IllegalArgumentException("a timeline record larger than " + MAX_JSON_BYTES + " bytes");
                }
            }
            return out.toString(StandardCharsets.UTF_8);
        } catch (DataFormatException e) {
            throw new IllegalArgumentException("a timeline record that does not inflate: " + e.getMessage());
        } finally {
            inflater.end();
        }
    }

    /** An event's JSON is a few hundred bytes; a member inflating to more than this is not one of ours. */
    private static final int MAX_JSON_BYTES = 64 * 1024;
}
