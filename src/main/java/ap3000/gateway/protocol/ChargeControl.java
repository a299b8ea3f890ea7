package ap3000.gateway.protocol;

/**
 * The data of a 0x82 start/stop command (reference 2.4). Three layouts exist: the old 29 bytes (up to the
 * overload power), 37 bytes (IoT-Zinx, without the last field) and the full 38. Leave the trailing fields
 * null to send a shorter layout: all of {@code qrLightOff..fullPowerWatts} null gives 29 bytes,
 * only {@code fullPowerCheckMinutes} null gives 37. Build one with {@link #start}, {@link #stop} or
 * {@link #builder}: the builder starts from IoT-Zinx's 37 bytes.
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

    /** A start: IoT-Zinx's 37 bytes, the device's own limits, until the builder says otherwise. */
    public static Builder start(int rateMode, long balanceFen, int port, int value, OrderNumber order) {
        return builder(true, rateMode, balanceFen, port, value, order);
    }

    /** A stop of the port's order (the device stops only for its current order number), as IoT-Zinx sends it. */
    public static ChargeControl stop(int port, OrderNumber order) {
        return builder(false, 0, 0, port, 0, order).build();
    }

    /** Any start or stop, as a frame carries it (decoding); prefer {@link #start} and {@link #stop}. */
    public static Builder builder(boolean start, int rateMode, long balanceFen, int port, int value,
                                  OrderNumber order) {
        return new Builder(start, rateMode, balanceFen, port, value, order);
    }

    /** This command with some fields changed (a new overload power for a running order, say). */
    public Builder toBuilder() {
        Builder b = builder(start, rateMode, balanceFen, port, value, order).maxDurationSeconds(maxDurationSeconds)
                .overloadPowerDeciWatts(overloadPowerDeciWatts);
        b.qrLightOff = qrLightOff;
        b.longChargeMode = longChargeMode;
        b.extraFloatSeconds = extraFloatSeconds;
        b.shortCircuitCheck = shortCircuitCheck;
        b.noUnplugDetect = noUnplugDetect;
        b.forceStopWhenFull = forceStopWhenFull;
        b.fullPowerWatts = fullPowerWatts;
        b.fullPowerCheckMinutes = fullPowerCheckMinutes;
        return b;
    }

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

    /** The optional fields by name; the trailing ones start as IoT-Zinx sends them (37 bytes). */
    public static final class Builder {
        private final boolean start;
        private final int rateMode;
        private final long balanceFen;
        private final int port;
        private final int value;
        private final OrderNumber order;
        private int maxDurationSeconds;
        private int overloadPowerDeciWatts;
        private Integer qrLightOff = 0;
        private Integer longChargeMode = 0;
        private Integer extraFloatSeconds = 0;
        private Integer shortCircuitCheck = NORMAL_SHORT_CIRCUIT_CHECK;
        private Integer noUnplugDetect = 0;
        private Integer forceStopWhenFull = 0;
        private Integer fullPowerWatts = 0;
        private Integer fullPowerCheckMinutes;

        private Builder(boolean start, int rateMode, long balanceFen, int port, int value, OrderNumber order) {
            this.start = start;
            this.rateMode = rateMode;
            this.balanceFen = balanceFen;
            this.port = port;
            this.value = value;
            this.order = order;
        }

        /** 0 = the device's setting. */
        public Builder maxDurationSeconds(int seconds) {
            this.maxDurationSeconds = seconds;
            return this;
        }

        /** 0 = the device's setting. */
        public Builder overloadPowerDeciWatts(int deciWatts) {
            this.overloadPowerDeciWatts = deciWatts;
            return this;
        }

        /** The old 29-byte layout: none of the trailing fields, for devices that predate them. */
        public Builder withoutTrailingFields() {
            qrLightOff = null;
            longChargeMode = null;
            extraFloatSeconds = null;
            shortCircuitCheck = null;
            noUnplugDetect = null;
            forceStopWhenFull = null;
            fullPowerWatts = null;
            fullPowerCheckMinutes = null;
            return this;
        }

        public Builder qrLightOff(int value) {
            this.qrLightOff = value;
            return this;
        }

        public Builder longChargeMode(int value) {
            this.longChargeMode = value;
            return this;
        }

        public Builder extraFloatSeconds(int seconds) {
            this.extraFloatSeconds = seconds;
            return this;
        }

        public Builder shortCircuitCheck(int value) {
            this.shortCircuitCheck = value;
            return this;
        }

        public Builder noUnplugDetect(int value) {
            this.noUnplugDetect = value;
            return this;
        }

        public Builder forceStopWhenFull(int value) {
            this.forceStopWhenFull = value;
            return this;
        }

        /** In 1 W; 0 or 255 disables. */
        public Builder fullPowerWatts(int watts) {
            this.fullPowerWatts = watts;
            return this;
        }

        /** The 38th byte; null leaves it out (37 bytes). */
        public Builder fullPowerCheckMinutes(Integer minutes) {
            this.fullPowerCheckMinutes = minutes;
            return this;
        }

        public ChargeControl build() {
            boolean none = qrLightOff == null && longChargeMode == null && extraFloatSeconds == null
                    && shortCircuitCheck == null && noUnplugDetect == null && forceStopWhenFull == null
                    && fullPowerWatts == null && fullPowerCheckMinutes == null;
            boolean all = qrLightOff != null && longChargeMode != null && extraFloatSeconds != null
                    && shortCircuitCheck != null && noUnplugDetect != null && forceStopWhenFull != null
                    && fullPowerWatts != null;
            if (!none && !all) {
                throw new IllegalStateException("the trailing fields of 0x82 come all together or not at all");
            }
            return new ChargeControl(rateMode, balanceFen, port, start, value, order, maxDurationSeconds,
                    overloadPowerDeciWatts, qrLightOff, longChargeMode, extraFloatSeconds, shortCircuitCheck,
                    noUnplugDetect, forceStopWhenFull, fullPowerWatts, fullPowerCheckMinutes);
        }
    }
}
