package ap3000.gateway.protocol;

/**
 * The data of a 0x82 start/stop command (reference 2.4). Three layouts exist: the old 29 bytes (up to the
 * overload power), 37 bytes (IoT-Zinx, without the last field) and the full 38. Leave the trailing fields
 * null to send a shorter layout: all of {@code qrLightOff..fullPowerWatts} null gives 29 bytes,
 * only {@code fullPowerCheckMinutes} null gives 37.
 *
 * @param rateMode           0 timed, 1 monthly, 2 by energy, 3 per use (3.5)
 * @param balanceFen         balance in fen, or validity timestamp for monthly; used for voice prompts only
 * @param port               1-based, or 255 for "device chooses"
 * @param start              true = start, false = stop
 * @param value              seconds, or 0.01 kWh by energy; 0 = until full
 * @param maxDurationSeconds per-order maximum, 0 = device setting
 * @param overloadPowerDeciWatts per-order overload power in 0.1 W, 0 = device setting
 * @param fullPowerWatts     "full" power threshold in 1 W (0 or 255 disables)
 */
public record ChargeControl(int rateMode, long balanceFen, int port, boolean start, int value, OrderNumber order,
                            int maxDurationSeconds, int overloadPowerDeciWatts, Integer qrLightOff,
                            Integer longChargeMode, Integer extraFloatSeconds, Integer shortCircuitCheck,
                            Integer noUnplugDetect, Integer forceStopWhenFull, Integer fullPowerWatts,
                            Integer fullPowerCheckMinutes) {

    /** Short-circuit pre-check value IoT-Zinx sends and the captured devices accept: 2 = normal check. */
    public static final int NORMAL_SHORT_CIRCUIT_CHECK = 2;

    public byte[] toBytes() {
        PayloadWriter w = new PayloadWriter();
        w.u8(rateMode).u32(balanceFen).u8(Units.portToWire(port)).u8(start ? 1 : 0).u16(value).raw(order.bytes())
                .u16(maxDurationSeconds).u16(overloadPowerDeciWatts);
        if (qrLightOff != null) {
            w.u8(qrLightOff).u8(longChargeMode).u16(extraFloatSeconds).u8(shortCircuitCheck).u8(noUnplugDetect)
                    .u8(forceStopWhenFull).u8(fullPowerWatts);
            if (fullPowerCheckMinutes != null) {
                w.u8(fullPowerCheckMinutes);
            }
        }
        return w.toBytes();
    }
}
