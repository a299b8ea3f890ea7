package ap3000.gateway.billing;

/**
 * What a settlement costs, in whole fen: {@code totalFen} is always {@code chargeFen + serviceFen}.
 *
 * @param tariffApplied false when no tariff was known for the order: the fees are then 0, never missing
 */
public record Fees(long chargeFen, long serviceFen, long totalFen, boolean tariffApplied) {

    public static final Fees NO_TARIFF = new Fees(0, 0, 0, false);
}
