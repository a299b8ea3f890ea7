package ap3000.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Properties;

import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.PropertiesComponent;
import org.junit.jupiter.api.Test;

/** Old duration keys keep working under their new names; the new ones are untouched when no old key is set. */
class DeprecatedKeysTest {

    @Test
    void should_carry_an_old_key_over_to_its_new_key_in_its_unit() throws Exception {
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            PropertiesComponent properties = context.getPropertiesComponent();
            Properties file = new Properties();
            file.setProperty("gateway.redis.timeout", "2s");
            file.setProperty("gateway.redis.timeout-ms", "300");
            file.setProperty("gateway.tcp.read-idle", "10m");
            file.setProperty("gateway.tcp.read-idle-seconds", "90s");
            file.setProperty("gateway.device.offline-after", "6m");
            properties.setInitialProperties(file);

            DeprecatedKeys.apply(properties);

            assertThat(properties.resolveProperty("gateway.redis.timeout")).contains("300ms");
            // a value that already has its unit is taken as it is
            assertThat(properties.resolveProperty("gateway.tcp.read-idle")).contains("90s");
            assertThat(properties.resolveProperty("gateway.device.offline-after")).contains("6m");
            assertThat(context.resolvePropertyPlaceholders("{{gateway.redis.timeout}}")).isEqualTo("300ms");
        }
    }
}
