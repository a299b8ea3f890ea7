package ap3000.gateway.protocol;

import java.math.BigDecimal;

/** The protocol's wire units (reference 2.2) turned into real ones, and 0-based wire ports into 1-based ones. */
public final class Units {

    /** Port byte meaning "the device chooses" (0x82) or "balance query" (0x02). Kept as 255 in the model. */
    public static final int ANY_PORT = 0xFF;

    private Units() {
    }

    /** 0.1 V or 0.1 W steps. */
    public static BigDecimal tenths(int raw) {
        return BigDecimal.valueOf(raw, 1);
    }

    /** 0.01 kWh or 0.01 A steps. */
    public static BigDecimal hundredths(long raw) {
        return BigDecimal.valueOf(raw, 2);
    }

    /** 0.001 A steps. */
    public static BigDecimal thousandths(int raw) {
        return BigDecimal.valueOf(raw, 3);
    }

    /** Temperatures travel as value + 65; 0 means "no sensor". */
    public static Integer celsius(int raw) {
        return raw == 0 ? null : raw - 65;
    }

    public static int portFromWire(int wire) {
        return wire == ANY_PORT ? ANY_PORT : wire + 1;
    }

    public static int portToWire(int port) {
        if (port == ANY_PORT) {
            return ANY_PORT;
        }
        if (port < 1 || port > 0xFE) {
            throw new IllegalArgumentException("port must be 1..254 or 255, was " + port);
        }
        return port - 1;
    }
}
