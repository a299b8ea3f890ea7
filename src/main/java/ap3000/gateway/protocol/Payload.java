package ap3000.gateway.protocol;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * The typed data of a device-to-server frame, one record per command of the reference (2.3, 2.5) and one per
 * kind of device ack of a server command (2.4). Ports are 1-based, values in real units. Fields that old
 * firmware omits are nullable: they are {@code null} when the frame ended before them.
 */
public sealed interface Payload {

    /** Per-port readings of a heartbeat: status (3.1), and for 0x01 the current and peak power. */
    record PortReading(int port, int status, BigDecimal powerWatts, BigDecimal peakPowerWatts) {
    }

    /** 0x01 old heartbeat (2.3). */
    record OldHeartbeat(int firmwareVersion, BigDecimal voltageVolts, List<PortReading> ports, Integer virtualId,
                        Integer signalStrength, Integer deviceType, Integer temperatureCelsius, Integer workMode)
            implements Payload {

        static OldHeartbeat read(PayloadReader r) {
            int firmware = r.u16();
            BigDecimal voltage = Units.tenths(r.u16());
            int n = r.u8();
            r.require(n, "port status");
            int[] status = new int[n];
            for (int i = 0; i < n; i++) {
                status[i] = r.u8();
            }
            BigDecimal[] power = new BigDecimal[n];
            BigDecimal[] peak = new BigDecimal[n];
            if (r.remaining() >= 2 * n) {
                for (int i = 0; i < n; i++) {
                    power[i] = Units.tenths(r.u16());
                }
            }
            if (r.remaining() >= 2 * n) {
                for (int i = 0; i < n; i++) {
                    peak[i] = Units.tenths(r.u16());
                }
            }
            List<PortReading> ports = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                ports.add(new PortReading(i + 1, status[i], power[i], peak[i]));
            }
            Integer virtualId = r.optU8();
            Integer signal = r.optU8();
            Integer type = r.optU8();
            Integer temp = r.optU8();
            return new OldHeartbeat(firmware, voltage, ports, virtualId, signal, type,
                    temp == null ? null : Units.celsius(temp), r.optU8());
        }
    }

    /** 0x21 heartbeat (2.3). */
    record Heartbeat(BigDecimal voltageVolts, List<PortReading> ports, Integer signalStrength,
                     Integer temperatureCelsius) implements Payload {

        static Heartbeat read(PayloadReader r) {
            BigDecimal voltage = Units.tenths(r.u16());
            int n = r.u8();
            r.require(n, "port status");
            List<PortReading> ports = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                ports.add(new PortReading(i + 1, r.u8(), null, null));
            }
            Integer signal = r.optU8();
            Integer temp = r.optU8();
            return new Heartbeat(voltage, ports, signal, temp == null ? null : Units.celsius(temp));
        }
    }

    /** 0x20 register (2.3). */
    record Register(int firmwareVersion, int portCount, Integer virtualId, Integer deviceType, Integer workMode,
                    Integer powerBoardVersion) implements Payload {

        static Register read(PayloadReader r) {
            return new Register(r.u16(), r.u8(), r.optU8(), r.optU8(), r.optU8(), r.optU16());
        }
    }

    /** 0x22 device or 0x12 host time request: no data. */
    record TimeRequest() implements Payload {
    }

    /** 0x02 card swipe (2.3). Port 255 means a balance query, not a charge request. */
    record CardSwipe(String cardId, int cardType, int port, Integer balanceFen, Long deviceTime,
                     String cardNumber2) implements Payload {

        static CardSwipe read(PayloadReader r) {
            String cardId = r.hex(4);
            int type = r.u8();
            int port = Units.portFromWire(r.u8());
            Integer balance = r.optU16();
            Long time = r.optU32();
            Integer len = r.optU8();
            String number2 = null;
            if (len != null && len > 0 && r.remaining() >= len) {
                number2 = r.hex(len);
            }
            return new CardSwipe(cardId, type, port, balance, time, number2);
        }

        public boolean isBalanceQuery() {
            return port == Units.ANY_PORT;
        }
    }

    /** 0x03 settlement (2.3); its first 29 bytes are also 0x43 "finished, not settled". */
    record Settlement(int durationSeconds, BigDecimal maxPowerWatts, BigDecimal energyKwh, int port, int startMode,
                      String cardId, int stopReason, OrderNumber order, BigDecimal secondMaxPowerWatts,
                      Long deviceTime, Integer occupancyMinutes) implements Payload {

        static Settlement read(PayloadReader r) {
            int duration = r.u16();
            BigDecimal maxPower = Units.tenths(r.u16());
            BigDecimal energy = Units.hundredths(r.u16());
            int port = Units.portFromWire(r.u8());
            int startMode = r.u8();
            String card = r.hex(4);
            int stop = r.u8();
            OrderNumber order = r.order();
            Integer secondMax = r.optU16();
            return new Settlement(duration, maxPower, energy, port, startMode, card, stop, order,
                    secondMax == null ? null : Units.tenths(secondMax), r.optU32(), r.optU16());
        }
    }

    /** 0x43 cabinet "charge finished but not settled": the settlement layout, no reply. */
    record CabinetChargeFinished(Settlement record) implements Payload {
    }

    /** 0x04 port order confirm, old firmware (2.3). */
    record OrderConfirm(int port, int startMode, String cardId, int chargedSeconds, OrderNumber order)
            implements Payload {

        static OrderConfirm read(PayloadReader r) {
            return new OrderConfirm(Units.portFromWire(r.u8()), r.u8(), r.hex(4), r.u16(), r.order());
        }
    }

    /** 0x05 device asks for an upgrade (2.3). */
    record UpgradeRequest(int deviceType, int firmwareVersion, String packageType) implements Payload {

        static UpgradeRequest read(PayloadReader r) {
            return new UpgradeRequest(r.u8(), r.u16(), r.hex(4));
        }
    }

    /** 0x06 port power heartbeat while charging (2.3). */
    record PowerHeartbeat(int port, int portStatus, int durationSeconds, BigDecimal energyKwh, int startMode,
                          BigDecimal powerWatts, BigDecimal maxPowerWatts, BigDecimal minPowerWatts,
                          BigDecimal averagePowerWatts, OrderNumber order, Integer intervalEnergyRaw,
                          BigDecimal peakPowerWatts, BigDecimal voltageVolts, BigDecimal currentAmps,
                          Integer ambientTemperatureCelsius, Integer portTemperatureCelsius, Long deviceTime,
                          Integer occupancyMinutes) implements Payload {

        static PowerHeartbeat read(PayloadReader r) {
            int port = Units.portFromWire(r.u8());
            int status = r.u8();
            int duration = r.u16();
            BigDecimal energy = Units.hundredths(r.u16());
            int startMode = r.u8();
            BigDecimal power = Units.tenths(r.u16());
            BigDecimal max = Units.tenths(r.u16());
            BigDecimal min = Units.tenths(r.u16());
            BigDecimal avg = Units.tenths(r.u16());
            OrderNumber order = r.order();
            Integer interval = r.optU16();
            Integer peak = r.optU16();
            Integer voltage = r.optU16();
            Integer current = r.optU16();
            Integer ambient = r.optU8();
            Integer portTemp = r.optU8();
            return new PowerHeartbeat(port, status, duration, energy, startMode, power, max, min, avg, order, interval,
                    peak == null ? null : Units.tenths(peak), voltage == null ? null : Units.tenths(voltage),
                    current == null ? null : Units.thousandths(current),
                    ambient == null ? null : Units.celsius(ambient), portTemp == null ? null : Units.celsius(portTemp),
                    r.optU32(), r.optU16());
        }

        public boolean isCharging() {
            return Descriptions.isCharging(portStatus);
        }
    }

    /** 0x11 host status heartbeat (2.5). */
    record HostHeartbeat(int firmwareVersion, Integer rtcChip, Long hostTime, Integer signalStrength,
                         Integer moduleType, String iccid, Integer hostType, Integer loraFrequency, String imei,
                         String moduleFirmware) implements Payload {

        static HostHeartbeat read(PayloadReader r) {
            int firmware = r.u16();
            Integer rtc = r.optU8();
            Long time = r.optU32();
            Integer signal = r.optU8();
            Integer module = r.optU8();
            String iccid = r.remaining() >= 20 ? r.ascii(20) : null;
            Integer hostType = r.optU8();
            Integer frequency = r.optU16();
            String imei = r.remaining() >= 15 ? r.ascii(15) : null;
            String moduleFirmware = r.remaining() >= 24 ? r.ascii(24) : null;
            return new HostHeartbeat(firmware, rtc, time, signal, module, iccid, hostType, frequency, imei,
                    moduleFirmware);
        }
    }

    /** 0x17 host status report (2.5). */
    record HostStatus(int breakerClosed, int temperature, BigDecimal voltageVolts, BigDecimal currentAmps,
                      BigDecimal energyKwh, BigDecimal meterCurrentAmps, BigDecimal meterEnergyKwh,
                      Integer smokeAlarm, Integer alarmRelay, Integer leakageCurrentMilliamps,
                      Integer liveWireTemperature, Integer neutralTemperature, Integer lockState,
                      Integer breakerStyle) implements Payload {

        static HostStatus read(PayloadReader r) {
            int breaker = r.u8();
            int temperature = r.u8();
            BigDecimal voltage = Units.tenths(r.u16());
            BigDecimal current = Units.hundredths(r.u16());
            BigDecimal energy = Units.hundredths(r.u32());
            Integer meterCurrent = r.optU16();
            Long meterEnergy = r.optU32();
            return new HostStatus(breaker, temperature, voltage, current, energy,
                    meterCurrent == null ? null : Units.hundredths(meterCurrent),
                    meterEnergy == null ? null : Units.hundredths(meterEnergy),
                    r.optU8(), r.optU8(), r.optU8(), r.optU8(), r.optU8(), r.optU8(), r.optU8());
        }
    }

    /** 0x15 host asks for an upgrade, old form: the reference gives no data layout, so the bytes are kept. */
    record HostUpgradeRequest(String dataHex) implements Payload {
    }

    /** 0x35 slave versions (2.5). */
    record SlaveVersions(List<Slave> slaves) implements Payload {

        public record Slave(int slaveType, int lowestFirmwareVersion, String lowestVersionDeviceId) {
        }

        static SlaveVersions read(PayloadReader r) {
            int n = r.u8();
            r.require(8 * n, "slave entries");
            List<Slave> slaves = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                int type = r.u8();
                r.u8(); // reserved
                int version = r.u16();
                slaves.add(new Slave(type, version, DeviceIds.format((int) r.u32())));
            }
            return new SlaveVersions(slaves);
        }
    }

    /** 0x3B host asks for its FSK parameters (2.5); the server answers with a 0x3A command. */
    record FskParamsRequest(int frequencyMhz) implements Payload {

        static FskParamsRequest read(PayloadReader r) {
            return new FskParamsRequest(r.u16());
        }
    }

    /** 0x41 cabinet heartbeat: one bit per door (1 open) and per fan (1 on). */
    record CabinetHeartbeat(int portCount, long doorsOpenBits, long fansOnBits) implements Payload {

        static CabinetHeartbeat read(PayloadReader r) {
            return new CabinetHeartbeat(r.u8(), r.u32(), r.u32());
        }
    }

    /** 0x42 alarm push (2.3, 3.11). For sensor alarms the port is the RS-485 sensor address. */
    record Alarm(int alarmType, int portOrSensor, int triggerInputs) implements Payload {

        static Alarm read(PayloadReader r) {
            return new Alarm(r.u8(), r.u8(), r.u8());
        }
    }

    /** 0x44 port push (2.3); type 1 = door not closed. */
    record PortPush(int pushType, int port, OrderNumber order) implements Payload {

        static PortPush read(PayloadReader r) {
            return new PortPush(r.u8(), Units.portFromWire(r.u8()), r.order());
        }
    }

    /** The device's ack of a 0x82 start/stop (2.4). Short acks are valid; absent fields are null. */
    record ChargeControlAck(int result, OrderNumber order, Integer port, Integer waitingPortsBitmap)
            implements Payload {

        static ChargeControlAck read(PayloadReader r) {
            int result = r.u8();
            OrderNumber order = r.remaining() >= OrderNumber.SIZE ? r.order() : null;
            Integer port = r.optU8();
            return new ChargeControlAck(result, order, port == null ? null : Units.portFromWire(port), r.optU16());
        }
    }

    /** A one-byte result ack of a server command (0x31-0x34, 0x3A, 0x83-0x8A, 0x8C-0x8F, 0x95-0x98, 0xE4). */
    record ResultAck(int command, Integer result, String extraHex) implements Payload {

        static ResultAck read(int command, PayloadReader r) {
            Integer result = r.optU8();
            return new ResultAck(command, result, r.remaining() > 0 ? r.restHex() : null);
        }
    }

    /** The device's answer to 0x8B read EEPROM: result and the bytes read. */
    record EepromReadAck(int result, String dataHex) implements Payload {

        static EepromReadAck read(PayloadReader r) {
            return new EepromReadAck(r.u8(), r.restHex());
        }
    }

    /** The device's answer to 0x90-0x93: its current parameters in the 0x83-0x86 layout. */
    record ParametersAck(int command, DeviceParameters parameters) implements Payload {
    }

    /** The device's answer to an upgrade packet (0xE0-0xE2, 0xF8-0xFA): result and packet number. */
    record UpgradeAck(int command, int result, Integer packet) implements Payload {

        static UpgradeAck read(int command, PayloadReader r) {
            return new UpgradeAck(command, r.u8(), r.optU16());
        }
    }

    /** The cabinet's answer to 0x72: result and order echo. */
    record CabinetStopAck(int result, OrderNumber order) implements Payload {

        static CabinetStopAck read(PayloadReader r) {
            int result = r.u8();
            return new CabinetStopAck(result, r.remaining() >= OrderNumber.SIZE ? r.order() : null);
        }
    }

    /** A command the reference does not describe, or data too short for its command: kept raw, never dropped. */
    record Unparsed(String reason) implements Payload {
    }
}
