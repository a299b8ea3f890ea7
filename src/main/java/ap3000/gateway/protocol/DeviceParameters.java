package ap3000.gateway.protocol;

import java.util.HexFormat;
import java.util.Set;

/**
 * Parameter blocks the server writes with 0x83-0x86 and reads back with 0x90-0x93 (reference 2.4): the same
 * layout both ways. Units are the device's; fields whose unit the reference does not state are named as it
 * names them.
 */
public sealed interface DeviceParameters {

    /** The fields of the blocks below that the device keeps in one byte (0..255); every other number is 0..65535. */
    Set<String> ONE_BYTE_FIELDS = Set.of("floatPercent", "unplugInterferencePower",
            "ambientAlarmCelsius", "portAlarmCelsius", "optocouplerDetectionOff", "qrLightOff", "sector");

    byte[] toBytes();

    /** The command that writes this block. */
    Command command();

    /** 0x83 run parameters 1.1 (11 bytes). */
    record RunParams1(int unplugPower, int unplugDetectSeconds, int floatPercent, int floatDetectSeconds,
                      int floatSeconds, int heartbeatIntervalSeconds) implements DeviceParameters {

        @Override
        public Command command() {
            return Command.SET_RUN_PARAMS_1;
        }

        @Override
        public byte[] toBytes() {
            PayloadWriter w = new PayloadWriter();
            w.u16(unplugPower).u16(unplugDetectSeconds).u8(floatPercent).u16(floatDetectSeconds).u16(floatSeconds)
                    .u16(heartbeatIntervalSeconds);
            return w.toBytes();
        }

        static RunParams1 read(PayloadReader r) {
            return new RunParams1(r.u16(), r.u16(), r.u8(), r.u16(), r.u16(), r.u16());
        }
    }

    /** 0x84 run parameters 1.2 (23 bytes). Temperatures here carry no -65 offset. */
    record RunParams2(int dynamicOverloadPower, int dynamicOverloadDetectSeconds, int dynamicOverloadStartSeconds,
                      int unplugInterferencePower, int unplugInterferenceSeconds, int secondFloatTimePointSeconds,
                      int secondFloatDetectSeconds, int minimumPower, int minimumPowerTimePointSeconds,
                      int secondMaxPowerTimePointSeconds, int ambientAlarmCelsius, int portAlarmCelsius,
                      int optocouplerDetectionOff, int qrLightOff) implements DeviceParameters {

        @Override
        public Command command() {
            return Command.SET_RUN_PARAMS_2;
        }

        @Override
        public byte[] toBytes() {
            PayloadWriter w = new PayloadWriter();
            w.u16(dynamicOverloadPower).u16(dynamicOverloadDetectSeconds).u16(dynamicOverloadStartSeconds)
                    .u8(unplugInterferencePower).u16(unplugInterferenceSeconds).u16(secondFloatTimePointSeconds)
                    .u16(secondFloatDetectSeconds).u16(minimumPower).u16(minimumPowerTimePointSeconds)
                    .u16(secondMaxPowerTimePointSeconds).u8(ambientAlarmCelsius).u8(portAlarmCelsius)
                    .u8(optocouplerDetectionOff).u8(qrLightOff);
            return w.toBytes();
        }

        static RunParams2 read(PayloadReader r) {
            return new RunParams2(r.u16(), r.u16(), r.u16(), r.u8(), r.u16(), r.u16(), r.u16(), r.u16(), r.u16(),
                    r.u16(), r.u8(), r.u8(), r.u8(), r.u8());
        }
    }

    /**
     * 0x85 max charge time, overload power (0.1 W) and, since 2024-08-07, over- and under-voltage (0.1 V).
     * Old firmware knows only the first two fields: leave the voltages null to send the 4-byte form.
     */
    record ChargeLimits(int maxChargeSeconds, int overloadPowerDeciWatts, Integer overVoltageDeciVolts,
                        Integer underVoltageDeciVolts) implements DeviceParameters {

        @Override
        public Command command() {
            return Command.SET_LIMITS;
        }

        @Override
        public byte[] toBytes() {
            PayloadWriter w = new PayloadWriter();
            w.u16(maxChargeSeconds).u16(overloadPowerDeciWatts);
            if (overVoltageDeciVolts != null && underVoltageDeciVolts != null) {
                w.u16(overVoltageDeciVolts).u16(underVoltageDeciVolts);
            }
            return w.toBytes();
        }

        static ChargeLimits read(PayloadReader r) {
            return new ChargeLimits(r.u16(), r.u16(), r.optU16(), r.optU16());
        }
    }

    /** 0x86 user card parameters (13 bytes): sector and two 6-byte keys as hex. */
    record CardParams(int sector, String userKeyHex, String newKeyHex) implements DeviceParameters {

        @Override
        public Command command() {
            return Command.SET_CARD_PARAMS;
        }

        @Override
        public byte[] toBytes() {
            PayloadWriter w = new PayloadWriter();
            w.u8(sector).raw(fixedHex(userKeyHex)).raw(fixedHex(newKeyHex));
            return w.toBytes();
        }

        private static byte[] fixedHex(String hex) {
            byte[] key = HexFormat.of().parseHex(hex);
            if (key.length != 6) {
                throw new IllegalArgumentException("card key must be 6 bytes, was " + key.length);
            }
            return key;
        }

        static CardParams read(PayloadReader r) {
            return new CardParams(r.u8(), r.hex(6), r.hex(6));
        }
    }
}
