package ap3000.gateway.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Device IDs read as IoT-Zinx reads them (pkg/utils/device_id_processor.go, SmartConvertDeviceID, in
 * taoyao-code/iot-zinx), so that a platform's ID reaches the same device.
 */
class DeviceIdsTest {

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource({
            "04A26CF3, 04A26CF3",   // 8 hex digits with a letter: the full ID
            "04a26cf3, 04A26CF3",
            "A26CF3, 04A26CF3",     // 6 hex digits: kind 04 in front
            "123456, 04123456",     // 6 digits without a letter are hex digits too, as IoT-Zinx reads them
            "10644723, 04A26CF3",   // 8 decimal digits: the printed number
            "1, 04000001",          // other decimal numbers: the printed number
            "1234567, 0412D687",
            "' 04A26CF3 ', 04A26CF3",
            "04123456, 04123456",   // 8 digits from 0: a full ID (IoT-Zinx read it as decimal 4123456)
            "16777215, 04FFFFFF"})
    void should_read_device_ids_as_iot_zinx_does(String text, String expected) {
        assertThat(DeviceIds.parse(text).map(DeviceIds::format)).contains(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "16777216", "99999999", "04A26CF", "04A26CF3X", "GHIJKL", "-1", "0x04A26CF3"})
    void should_refuse_what_is_no_device_id(String text) {
        assertThat(DeviceIds.parse(text)).isEmpty();
    }
}
