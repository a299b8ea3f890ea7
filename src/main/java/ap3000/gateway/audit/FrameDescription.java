package ap3000.gateway.audit;

import java.lang.reflect.RecordComponent;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import ap3000.gateway.protocol.Command;
import ap3000.gateway.protocol.DnyFrame;
import ap3000.gateway.protocol.OrderNumber;
import ap3000.gateway.protocol.Payload;
import ap3000.gateway.protocol.PayloadDecoder;
import ap3000.gateway.protocol.ServerFrameReader;

/**
 * A logged frame as the audit API shows it: when, which way, its exact bytes, and what the codec reads in them.
 * Decoding happens here, when a frame is read back, never when it is logged. Fields are the payload record's
 * components in snake_case, absent ones left out; order numbers as their text.
 */
public final class FrameDescription {

    private static final HexFormat HEX = HexFormat.of().withUpperCase();

    private FrameDescription() {
    }

    public static Map<String, Object> of(FrameRecord frame) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("timestamp", frame.millis() / 1000);
        out.put("timestamp_ms", frame.millis());
        out.put("direction", frame.out() ? "out" : "in");
        out.put("frame_hex", HEX.formatHex(frame.bytes()));
        Optional<DnyFrame> parsed = DnyFrame.fromBytes(frame.bytes());
        if (parsed.isEmpty()) {
            out.put("fields", null);
            out.put("decode_error", "not a valid DNY frame");
            return out;
        }
        DnyFrame dny = parsed.get();
        Command command = Command.of(dny.command());
        out.put("command", Command.hex(dny.command()));
        out.put("command_name", command == null ? null : command.shortName());
        out.put("message_id", dny.messageId());
        Object payload = frame.out() ? ServerFrameReader.read(dny).orElse(null) : PayloadDecoder.decode(dny);
        if (payload == null || payload instanceof Payload.Unparsed) {
            out.put("fields", null);
            out.put("decode_error", payload == null ? "no known layout for this command from the gateway"
                    : ((Payload.Unparsed) payload).reason());
        } else {
            out.put("fields", value(payload));
        }
        return out;
    }

    private static Object value(Object v) {
        if (v instanceof OrderNumber order) {
            return order.text();
        }
        if (v instanceof List<?> list) {
            return list.stream().map(FrameDescription::value).toList();
        }
        if (v instanceof Record record) {
            Map<String, Object> fields = new LinkedHashMap<>();
            for (RecordComponent c : record.getClass().getRecordComponents()) {
                try {
                    Object field = c.getAccessor().invoke(record);
                    if (field != null) {
                        fields.put(snakeCase(c.getName()), value(field));
                    }
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("unreadable payload field " + c.getName(), e);
                }
            }
            return fields;
        }
        return v;
    }

    private static String snakeCase(String camel) {
        StringBuilder b = new StringBuilder(camel.length() + 4);
        for (char c : camel.toCharArray()) {
            if (Character.isUpperCase(c)) {
                b.append('_').append(Character.toLowerCase(c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
