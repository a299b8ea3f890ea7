package ap3000.gateway.notify;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

import org.apache.camel.util.TimeUtils;

/**
 * The durable retry rounds after the quick in-process retries ({@code notify.retry.schedule}, default
 * 5s,5m,30m,2h,5h,10h,10h), each spread by a random ±jitter so that retries of many events do not arrive together.
 */
public record RetrySchedule(List<Duration> delays, double jitter) {

    public static RetrySchedule parse(String delays, double jitter) {
        return new RetrySchedule(Arrays.stream(delays.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .map(TimeUtils::toDuration).toList(), jitter);
    }

    /** The wait before retry round {@code round} (1-based); empty when every round is used up. */
    public Optional<Duration> delay(long round) {
        if (round < 1 || round > delays.size()) {
            return Optional.empty();
        }
        return Optional.of(jittered(delays.get((int) round - 1)));
    }

    public Duration jittered(Duration delay) {
        if (jitter <= 0) {
            return delay;
        }
        double factor = 1 + ThreadLocalRandom.current().nextDouble(-jitter, jitter);
        return Duration.ofMillis(Math.round(delay.toMillis() * factor));
    }
}
