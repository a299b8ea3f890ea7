package ap3000.gateway.ops;

import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import java.util.Optional;

import org.apache.camel.util.TimeUtils;

/**
 * The alert rules of {@code alerts.*} (docs/operations.md, "Alerts"). A rule whose threshold is left empty is off.
 *
 * @param deadLetters        fires when more webhook dead letters are kept than this
 * @param failureRatePercent fires when at least this share of an endpoint's HTTP attempts failed over
 *                           {@code failureRateWindow}, once {@code failureRateMinAttempts} were made
 * @param circuitOpenFor     fires when an endpoint's circuit has not been closed for this long
 * @param devicesDropPercent fires when online devices fell by this share from their highest count within
 *                           {@code devicesDropWindow} (from at least {@code devicesDropMinimum} devices)
 * @param auditLag           fires when the audit is further behind the journal than this
 * @param silence            an alert that fired is not sent again (firing or resolved) within this time
 * @param endpoints          the webhook endpoints (of {@code notify.endpoints}) alerts are sent to
 */
public record AlertRules(Long deadLetters, Double failureRatePercent, Duration failureRateWindow,
                         long failureRateMinAttempts, Duration circuitOpenFor, Double devicesDropPercent,
                         Duration devicesDropWindow, long devicesDropMinimum, Duration auditLag, Duration silence,
                         List<String> endpoints) {

    /** Reads the rules; {@code config} answers a key, empty when unset or blank. */
    public static AlertRules read(Function<String, Optional<String>> config) {
        return new AlertRules(
                config.apply("alerts.dead-letters.max").map(Long::parseLong).orElse(null),
                config.apply("alerts.delivery-failure-rate.percent").map(Double::parseDouble).orElse(null),
                duration(config, "alerts.delivery-failure-rate.window", "5m"),
                config.apply("alerts.delivery-failure-rate.min-attempts").map(Long::parseLong).orElse(20L),
                config.apply("alerts.circuit-open.after").map(TimeUtils::toDuration).orElse(null),
                config.apply("alerts.devices-drop.percent").map(Double::parseDouble).orElse(null),
                duration(config, "alerts.devices-drop.window", "10m"),
                config.apply("alerts.devices-drop.min-devices").map(Long::parseLong).orElse(10L),
                config.apply("alerts.audit-lag.max").map(TimeUtils::toDuration).orElse(null),
                duration(config, "alerts.silence", "15m"),
                config.apply("alerts.endpoints").map(v -> List.of(v.split("\\s*,\\s*"))).orElse(List.of()));
    }

    private static Duration duration(Function<String, Optional<String>> config, String key, String fallback) {
        return TimeUtils.toDuration(config.apply(key).orElse(fallback));
    }
}
