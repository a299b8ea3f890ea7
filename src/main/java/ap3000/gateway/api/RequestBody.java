package ap3000.gateway.api;

import java.nio.charset.StandardCharsets;
import java.math.BigDecimal;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import ap3000.gateway.event.EventJson;
import ap3000.gateway.protocol.DeviceIds;
import ap3000.gateway.protocol.OrderNumber;

/**
 * A JSON request body read field by field, each bad field refused with a 400 that names it. The request records
 * ({@link StartCharging}, {@link StopCharging}, ...) are read through it: Jackson's own binding would refuse a bad
 * field in its words, not naming it the way the API promises (and IoT-Zinx words it).
 */
public final class RequestBody {

    private static final ObjectMapper JSON = EventJson.mapper();

    private final Map<String, Object> fields;

    private RequestBody(Map<String, Object> fields) {
        this.fields = fields;
    }

    /** The body as REST binding hands it over: already a map, or JSON text. */
    @SuppressWarnings("unchecked")
    public static RequestBody parse(Object body) {
        if (body instanceof Map<?, ?> map) {
            return new RequestBody((Map<String, Object>) map);
        }
        String json = body instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8)
                : body == null ? null : body.toString();
        if (json == null || json.isBlank()) {
            throw ApiException.badRequest("body", "a JSON object is required");
        }
        try {
            return new RequestBody(JSON.readValue(json, new TypeReference<Map<String, Object>>() {
            }));
        } catch (Exception e) {
            throw ApiException.badRequest("body", "not a JSON object");
        }
    }

    /** The fields as given, for binding a whole parameter block. */
    Map<String, Object> fields() {
        return fields;
    }

    /** A device ID in any form platforms use: 8 hex digits, 6 hex digits or the printed decimal number. */
    public int deviceId(String field) {
        Object value = fields.get(field);
        if (value == null) {
            throw ApiException.badRequest(field, "is required");
        }
        return DeviceIds.parse(value.toString()).orElseThrow(() -> ApiException.badRequest(field,
                "must be 8 hex digits (04A228CD), 6 hex digits or the decimal number printed on the device"));
    }

    public int integer(String field, long min, long max) {
        Object value = fields.get(field);
        if (value == null) {
            throw ApiException.badRequest(field, "is required");
        }
        return checked(field, value, min, max);
    }

    public Integer optionalInteger(String field, long min, long max) {
        Object value = fields.get(field);
        return value == null ? null : checked(field, value, min, max);
    }

    public long longValue(String field, long min, long max) {
        Object value = fields.get(field);
        if (value == null) {
            throw ApiException.badRequest(field, "is required");
        }
        return wholeNumber(field, value, min, max);
    }

    /** A decimal (watts, say) within bounds. */
    public BigDecimal optionalDecimal(String field, BigDecimal min, BigDecimal max) {
        Object value = fields.get(field);
        if (value == null) {
            return null;
        }
        BigDecimal v = decimal(value).orElseThrow(() -> ApiException.badRequest(field, "must be a number"));
        if (v.compareTo(min) < 0 || v.compareTo(max) > 0) {
            throw ApiException.badRequest(field, "must be " + min + ".." + max + ", was " + v);
        }
        return v;
    }

    public String text(String field) {
        Object value = fields.get(field);
        if (!(value instanceof String s) || s.isBlank()) {
            throw ApiException.badRequest(field, value == null ? "is required" : "must be a non-empty string");
        }
        return s;
    }

    /** An order number as the device carries it: 1 to 16 printable ASCII characters. */
    public String orderNo(String field) {
        String orderNo = text(field);
        try {
            OrderNumber.ofText(orderNo);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(field, "must be 1 to 16 printable ASCII characters");
        }
        return orderNo;
    }

    public boolean has(String field) {
        return fields.containsKey(field) && fields.get(field) != null;
    }

    private static int checked(String field, Object value, long min, long max) {
        return (int) wholeNumber(field, value, min, max);
    }

    /**
     * Compared as an exact decimal before any conversion: a huge number must be refused, not wrapped into range
     * (2^64 + 1 would otherwise become 1).
     */
    private static long wholeNumber(String field, Object value, long min, long max) {
        BigDecimal v = decimal(value).filter(d -> d.stripTrailingZeros().scale() <= 0)
                .orElseThrow(() -> ApiException.badRequest(field, "must be a whole number"));
        if (v.compareTo(BigDecimal.valueOf(min)) < 0 || v.compareTo(BigDecimal.valueOf(max)) > 0) {
            throw ApiException.badRequest(field, "must be " + min + ".." + max + ", was " + v.toPlainString());
        }
        return v.longValueExact();
    }

    /** A JSON number as an exact decimal; empty for anything else, infinity and NaN included (1e400 as a double). */
    private static Optional<BigDecimal> decimal(Object value) {
        if (!(value instanceof Number n)) {
            return Optional.empty();
        }
        if ((n instanceof Double d && !Double.isFinite(d)) || (n instanceof Float f && !Float.isFinite(f))) {
            return Optional.empty();
        }
        try {
            return Optional.of(new BigDecimal(n.toString()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
