package ap3000.gateway;

import java.util.List;

import org.apache.camel.spi.PropertiesComponent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keys renamed when every duration became a Camel duration string ({@code 10s}, {@code 6m}): an old key an operator
 * still sets (in application.properties, as {@code -D} or as an environment variable such as
 * {@code GATEWAY_REDIS_TIMEOUT_MS}) keeps working, converted to its new key, with a warning naming the new one.
 */
final class DeprecatedKeys {

    private static final Logger LOG = LoggerFactory.getLogger(DeprecatedKeys.class);

    /** An old key, the key that replaced it, and the unit its plain number was in. */
    record Renamed(String oldKey, String newKey, String unit) {
    }

    static final List<Renamed> RENAMED = List.of(
            new Renamed("gateway.tcp.read-idle-seconds", "gateway.tcp.read-idle", "s"),
            new Renamed("gateway.tcp.identify-timeout-seconds", "gateway.tcp.identify-timeout", "s"),
            new Renamed("gateway.device.offline-after-seconds", "gateway.device.offline-after", "s"),
            new Renamed("gateway.protocol.error-log-interval-ms", "gateway.protocol.error-log-interval", "ms"),
            new Renamed("gateway.redis.timeout-ms", "gateway.redis.timeout", "ms"),
            new Renamed("gateway.events.settled-order-ttl-hours", "gateway.events.settled-order-ttl", "h"));

    private DeprecatedKeys() {
    }

    /** Puts the value of every old key that is set on its new key (it wins over the file's default), warning once. */
    static void apply(PropertiesComponent properties) {
        for (Renamed renamed : RENAMED) {
            properties.resolveProperty(renamed.oldKey()).map(String::trim).filter(v -> !v.isEmpty()).ifPresent(value -> {
                String converted = value.matches("\\d+") ? value + renamed.unit() : value;
                LOG.warn("{} is deprecated: set {}={} instead (taken as that for now)", renamed.oldKey(),
                        renamed.newKey(), converted);
                properties.addOverrideProperty(renamed.newKey(), converted);
            });
        }
    }
}
