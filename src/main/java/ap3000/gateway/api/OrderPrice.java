package ap3000.gateway.api;

/**
 * The platform's own price for one order, optional fields of {@code POST /charging/start} kept for the fees of its
 * settlement (fen per kWh; null when not given). Read on its own, after the device checks, as it always was: a bad
 * price of a start that goes nowhere (device offline, port busy, order already running) is not reported.
 */
record OrderPrice(Integer energyFenPerKwh, Integer serviceFenPerKwh) {

    private static final int MAX_PRICE_FEN = 999_999;

    static OrderPrice from(Object body) {
        RequestBody request = RequestBody.parse(body);
        return new OrderPrice(request.optionalInteger("energyFenPerKwh", 0, MAX_PRICE_FEN),
                request.optionalInteger("serviceFenPerKwh", 0, MAX_PRICE_FEN));
    }

    /** Refusals in IoT-Zinx's words ({@link IotZinx}). */
    static OrderPrice fromIotZinx(Object body) {
        return IotZinx.field(() -> from(body));
    }

    boolean given() {
        return energyFenPerKwh != null || serviceFenPerKwh != null;
    }
}
