package ap3000.gateway.billing;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An energy price and a service fee, both in fen per kWh, flat or by time of day. Written as {@code 100/20}
 * (flat: 100 fen/kWh energy, 20 fen/kWh service) or as bands covering the whole day,
 * {@code 00:00-08:00 50/10, 08:00-24:00 100/20}.
 */
public record Tariff(List<Band> bands) {

    private static final Pattern PRICES = Pattern.compile("(\\d{1,6})/(\\d{1,6})");
    private static final Pattern BAND = Pattern.compile("(\\d{2}:\\d{2})-(\\d{2}:\\d{2})\\s+(\\d{1,6}/\\d{1,6})");
    private static final int SECONDS_PER_DAY = 86_400;

    /** Prices from {@code fromSecond} (inclusive) to {@code toSecond} (exclusive) of the local day. */
    public record Band(int fromSecond, int toSecond, long energyFenPerKwh, long serviceFenPerKwh) {
    }

    public Tariff {
        bands = List.copyOf(bands);
    }

    public static Tariff flat(long energyFenPerKwh, long serviceFenPerKwh) {
        return new Tariff(List.of(new Band(0, SECONDS_PER_DAY, energyFenPerKwh, serviceFenPerKwh)));
    }

    /** @throws IllegalArgumentException naming what is wrong: bands must not overlap and must cover the day */
    public static Tariff parse(String spec) {
        String text = spec.trim();
        Matcher flat = PRICES.matcher(text);
        if (flat.matches()) {
            return flat(Long.parseLong(flat.group(1)), Long.parseLong(flat.group(2)));
        }
        List<Band> bands = new ArrayList<>();
        for (String part : text.split(",")) {
            Matcher m = BAND.matcher(part.trim());
            if (!m.matches()) {
                throw new IllegalArgumentException("tariff '" + spec + "': '" + part.trim()
                        + "' is not 'HH:MM-HH:MM energy/service' (fen per kWh)");
            }
            Matcher prices = PRICES.matcher(m.group(3));
            prices.matches();
            bands.add(new Band(second(m.group(1), spec), second(m.group(2), spec),
                    Long.parseLong(prices.group(1)), Long.parseLong(prices.group(2))));
        }
        bands.sort(Comparator.comparingInt(Band::fromSecond));
        int covered = 0;
        for (Band band : bands) {
            if (band.fromSecond() != covered || band.toSecond() <= band.fromSecond()) {
                throw new IllegalArgumentException("tariff '" + spec
                        + "': bands must follow each other from 00:00 to 24:00 without gaps or overlaps");
            }
            covered = band.toSecond();
        }
        if (covered != SECONDS_PER_DAY) {
            throw new IllegalArgumentException("tariff '" + spec + "': bands must end at 24:00");
        }
        return new Tariff(bands);
    }

    /**
     * The fees of {@code energyKwh} charged from {@code start} to {@code end}. The device reports only the
     * total energy, so it is spread evenly over the charging time and each band's share is priced at the band's
     * rates; a session of no duration is priced at the band of its end. Each component is rounded half-up to
     * whole fen once, from the exact sum; the total is the sum of the rounded components.
     */
    public Fees fees(BigDecimal energyKwh, Instant start, Instant end, ZoneId zone) {
        BigDecimal energy = BigDecimal.ZERO;
        BigDecimal service = BigDecimal.ZERO;
        long totalSeconds = Math.max(0, end.getEpochSecond() - start.getEpochSecond());
        if (totalSeconds == 0) {
            Band band = bandAt(end.atZone(zone));
            energy = energyKwh.multiply(BigDecimal.valueOf(band.energyFenPerKwh()));
            service = energyKwh.multiply(BigDecimal.valueOf(band.serviceFenPerKwh()));
        } else {
            BigDecimal total = BigDecimal.valueOf(totalSeconds);
            for (Slice slice : slices(start, end, zone)) {
                BigDecimal share = energyKwh.multiply(BigDecimal.valueOf(slice.seconds()))
                        .divide(total, MathContext.DECIMAL128);
                energy = energy.add(share.multiply(BigDecimal.valueOf(slice.band().energyFenPerKwh())));
                service = service.add(share.multiply(BigDecimal.valueOf(slice.band().serviceFenPerKwh())));
            }
        }
        long chargeFen = energy.setScale(0, RoundingMode.HALF_UP).longValueExact();
        long serviceFen = service.setScale(0, RoundingMode.HALF_UP).longValueExact();
        return new Fees(chargeFen, serviceFen, chargeFen + serviceFen, true);
    }

    private record Slice(Band band, long seconds) {
    }

    /** The charging time cut at band edges and midnights (local time, so DST days are as long as they are). */
    private List<Slice> slices(Instant start, Instant end, ZoneId zone) {
        List<Slice> slices = new ArrayList<>();
        ZonedDateTime at = start.atZone(zone);
        ZonedDateTime until = end.atZone(zone);
        while (at.isBefore(until)) {
            Band band = bandAt(at);
            LocalDate day = at.toLocalDate();
            ZonedDateTime bandEnd = band.toSecond() == SECONDS_PER_DAY ? day.plusDays(1).atStartOfDay(zone)
                    : day.atTime(LocalTime.ofSecondOfDay(band.toSecond())).atZone(zone);
            ZonedDateTime next = bandEnd.isBefore(until) ? bandEnd : until;
            if (!next.isAfter(at)) {
                next = at.plusSeconds(1); // a DST gap swallowed the band's end
            }
            slices.add(new Slice(band, next.toEpochSecond() - at.toEpochSecond()));
            at = next;
        }
        return slices;
    }

    private Band bandAt(ZonedDateTime at) {
        int second = at.toLocalTime().toSecondOfDay();
        return bands.stream().filter(b -> second >= b.fromSecond() && second < b.toSecond()).findFirst()
                .orElseThrow();
    }

    private static int second(String hhmm, String spec) {
        int hours = Integer.parseInt(hhmm.substring(0, 2));
        int minutes = Integer.parseInt(hhmm.substring(3));
        if (hours > 24 || minutes > 59 || (hours == 24 && minutes != 0)) {
            throw new IllegalArgumentException("tariff '" + spec + "': " + hhmm + " is not a time of day");
        }
        return hours * 3600 + minutes * 60;
    }
}
