package ap3000.gateway.device;

/**
 * A start or stop the platform asked for, carried with the 0x82 command so that the device's answer can be
 * reported with what was asked.
 *
 * @param port    1-based, or 255 for "device chooses"
 * @param orderNo the platform's order number (at most 16 ASCII characters)
 */
public record ChargeRequest(boolean start, int port, String orderNo) {
}
