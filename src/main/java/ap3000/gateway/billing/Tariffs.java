package ap3000.gateway.billing;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import ap3000.gateway.protocol.DeviceIds;
import ap3000.gateway.redis.RedisConnection;
import redis.clients.jedis.params.SetParams;

/**
 * Which tariff prices a settlement: the price the platform sent with the start request (kept in Redis under
 * {@code gateway:tariff:order:{device}:{order}}, since the settlement may reach another node or come after a
 * restart), else the device's own tariff, else the default, else none (fees 0, {@code tariff_applied: false}).
 */
public class Tariffs {

    /** A settlement's fees and where their tariff came from: order, device, default or none. */
    public record Priced(Fees fees, String source) {
    }

    private final Tariff defaultTariff;
    private final Map<String, Tariff> perDevice;
    private final RedisConnection redis;
    private final long orderPriceTtlSeconds;
    private final ZoneId zone;

    /**
     * @param defaultTariff null when there is none
     * @param perDevice     by device ID (8 hex digits)
     * @param orderPriceTtl how long a start request's price waits for its settlement
     * @param zone          the zone whose clock the time-of-day bands follow
     */
    public Tariffs(Tariff defaultTariff, Map<String, Tariff> perDevice, RedisConnection redis,
                   Duration orderPriceTtl, ZoneId zone) {
        this.defaultTariff = defaultTariff;
        this.perDevice = Map.copyOf(perDevice);
        this.redis = redis;
        this.orderPriceTtlSeconds = orderPriceTtl.toSeconds();
        this.zone = zone;
    }

    /** The default from a tariff text, empty for none. */
    public static Tariff parseDefault(String spec) {
        return spec == null || spec.isBlank() ? null : Tariff.parse(spec);
    }

    /** {@code 04A228CD=120/30; 04A26CF3=00:00-08:00 50/10, 08:00-24:00 100/20}: entries separated by ';'. */
    public static Map<String, Tariff> parsePerDevice(String spec) {
        Map<String, Tariff> tariffs = new LinkedHashMap<>();
        if (spec == null || spec.isBlank()) {
            return tariffs;
        }
        for (String entry : spec.split(";")) {
            int eq = entry.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("per-device tariff '" + entry.trim() + "' is not 'DEVICE=tariff'");
            }
            String device = entry.substring(0, eq).trim();
            int physicalId = DeviceIds.parse(device).orElseThrow(() -> new IllegalArgumentException(
                    "per-device tariff: '" + device + "' is not a device ID"));
            tariffs.put(DeviceIds.format(physicalId), Tariff.parse(entry.substring(eq + 1)));
        }
        return tariffs;
    }

    /** Keeps the flat price a start request carried until the order's settlement. */
    public void rememberOrderPrice(String deviceId, String order, long energyFenPerKwh, long serviceFenPerKwh) {
        redis.client().set(orderKey(deviceId, order), energyFenPerKwh + "/" + serviceFenPerKwh,
                SetParams.setParams().ex(orderPriceTtlSeconds));
    }

    public Priced price(String deviceId, String order, BigDecimal energyKwh, Instant start, Instant end) {
        Optional<Tariff> ordered = Optional.ofNullable(redis.client().get(orderKey(deviceId, order)))
                .flatMap(Tariffs::parseStored);
        if (ordered.isPresent()) {
            return new Priced(ordered.get().fees(energyKwh, start, end, zone), "order");
        }
        Tariff device = perDevice.get(deviceId);
        if (device != null) {
            return new Priced(device.fees(energyKwh, start, end, zone), "device");
        }
        if (defaultTariff != null) {
            return new Priced(defaultTariff.fees(energyKwh, start, end, zone), "default");
        }
        return new Priced(Fees.NO_TARIFF, "none");
    }

    /** Redis is untrusted: a value that is not a tariff is ignored, not a reason to refuse the settlement. */
    private static Optional<Tariff> parseStored(String stored) {
        try {
            return Optional.of(Tariff.parse(stored));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static String orderKey(String deviceId, String order) {
        return "gateway:tariff:order:" + deviceId + ":" + order;
    }
}
