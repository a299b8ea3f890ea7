package ap3000.gateway.device;

/**
 * Sent down the channel pipeline when a device connection closes, so that it reaches the ingress route after
 * every frame that connection delivered, in the same order.
 *
 * @param reason why the connection closed: {@code peer_closed}, {@code read_idle}, {@code not_identified} or
 *               {@code frame_timeout}
 */
public record ConnectionClosed(String reason) {
}
