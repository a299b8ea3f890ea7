package ap3000.gateway.billing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;

import org.junit.jupiter.api.Test;

/** The fee arithmetic: flat and time-of-day tariffs, band edges, midnight, rounding. */
class TariffTest {

    private static final ZoneId SHANGHAI = ZoneId.of("Asia/Shanghai");
    private static final Tariff DAY_AND_NIGHT =
            Tariff.parse("00:00-08:00 60/10, 08:00-22:00 120/30, 22:00-24:00 60/10");

    @Test
    void should_price_the_contracts_example_with_a_flat_tariff() {
        // the seed's 15.50 kWh at 100 fen energy and 10 fen service per kWh
        Fees fees = Tariff.parse("100/10").fees(new BigDecimal("15.50"), at("2023-12-21T10:00:00"),
                at("2023-12-21T11:00:00"), SHANGHAI);
        assertThat(fees).isEqualTo(new Fees(1550, 155, 1705, true));
    }

    @Test
    void should_round_each_component_half_up_and_add_the_rounded_components() {
        // 0.05 kWh * 85 = 4.25 -> 4; 0.05 kWh * 15 = 0.75 -> 1; the total is 5, not round(5.00) computed apart
        assertThat(Tariff.flat(85, 15).fees(new BigDecimal("0.05"), at("2023-12-21T10:00:00"),
                at("2023-12-21T10:10:00"), SHANGHAI)).isEqualTo(new Fees(4, 1, 5, true));
        // exactly half a fen goes up: 0.01 kWh * 50 = 0.5 -> 1
        assertThat(Tariff.flat(50, 150).fees(new BigDecimal("0.01"), at("2023-12-21T10:00:00"),
                at("2023-12-21T10:01:00"), SHANGHAI)).isEqualTo(new Fees(1, 2, 3, true));
    }

    @Test
    void should_spread_the_energy_evenly_over_the_bands_the_session_crossed() {
        // 21:00-23:00: one hour at 120/30, one at 60/10, 2 kWh spread evenly: 1 kWh each
        Fees fees = DAY_AND_NIGHT.fees(new BigDecimal("2.00"), at("2023-12-21T21:00:00"), at("2023-12-21T23:00:00"),
                SHANGHAI);
        assertThat(fees).isEqualTo(new Fees(180, 40, 220, true));
    }

    @Test
    void should_price_a_band_from_its_first_second_and_not_at_its_end() {
        // 08:00:00 belongs to the day band; a session ending at 08:00:00 is all night
        assertThat(DAY_AND_NIGHT.fees(BigDecimal.ONE, at("2023-12-21T08:00:00"), at("2023-12-21T09:00:00"), SHANGHAI))
                .isEqualTo(new Fees(120, 30, 150, true));
        assertThat(DAY_AND_NIGHT.fees(BigDecimal.ONE, at("2023-12-21T07:00:00"), at("2023-12-21T08:00:00"), SHANGHAI))
                .isEqualTo(new Fees(60, 10, 70, true));
        // a session of no duration is priced at the band of its end
        assertThat(DAY_AND_NIGHT.fees(BigDecimal.ONE, at("2023-12-21T08:00:00"), at("2023-12-21T08:00:00"), SHANGHAI))
                .isEqualTo(new Fees(120, 30, 150, true));
    }

    @Test
    void should_cross_midnight_into_the_next_days_bands() {
        // 23:00 - 09:00: 9 h night (60/10), 1 h day (120/30); 10 kWh -> 9 kWh night, 1 kWh day
        Fees fees = DAY_AND_NIGHT.fees(BigDecimal.TEN, at("2023-12-21T23:00:00"), at("2023-12-22T09:00:00"), SHANGHAI);
        assertThat(fees).isEqualTo(new Fees(9 * 60 + 120, 9 * 10 + 30, 9 * 60 + 120 + 9 * 10 + 30, true));
    }

    @Test
    void should_round_once_from_the_exact_sum_of_the_bands() {
        // 1 kWh over 3 h, 1 h in each of three bands of 10, 11 and 10 fen: 31/3 = 10.33 -> 10 (not 3 + 4 + 3)
        Tariff thirds = Tariff.parse("00:00-01:00 10/0, 01:00-02:00 11/0, 02:00-24:00 10/0");
        assertThat(thirds.fees(BigDecimal.ONE, at("2023-12-21T00:00:00"), at("2023-12-21T03:00:00"), SHANGHAI))
                .isEqualTo(new Fees(10, 0, 10, true));
    }

    @Test
    void should_refuse_bands_that_leave_a_gap_overlap_or_do_not_reach_midnight() {
        assertThatThrownBy(() -> Tariff.parse("00:00-08:00 60/10, 09:00-24:00 120/30"))
                .hasMessageContaining("without gaps or overlaps");
        assertThatThrownBy(() -> Tariff.parse("00:00-08:00 60/10, 07:00-24:00 120/30"))
                .hasMessageContaining("without gaps or overlaps");
        assertThatThrownBy(() -> Tariff.parse("00:00-22:00 60/10")).hasMessageContaining("must end at 24:00");
        assertThatThrownBy(() -> Tariff.parse("cheap")).hasMessageContaining("is not 'HH:MM-HH:MM energy/service'");
        assertThatThrownBy(() -> Tariff.parse("00:00-25:00 1/1")).hasMessageContaining("is not a time of day");
    }

    @Test
    void should_read_per_device_tariffs_by_any_device_id_form() {
        assertThat(Tariffs.parsePerDevice("04A228CD=150/30; 04a26cf3=00:00-12:00 1/2, 12:00-24:00 3/4"))
                .containsEntry("04A228CD", Tariff.flat(150, 30)).containsKey("04A26CF3");
        assertThatThrownBy(() -> Tariffs.parsePerDevice("nonsense=1/2")).hasMessageContaining("not a device ID");
        assertThat(Tariffs.parsePerDevice("")).isEmpty();
    }

    private static Instant at(String local) {
        return LocalDateTime.parse(local).atZone(SHANGHAI).toInstant();
    }
}
