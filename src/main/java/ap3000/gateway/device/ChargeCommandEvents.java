package ap3000.gateway.device;

import java.util.List;

import ap3000.gateway.event.EventBatch;
import ap3000.gateway.event.EventPublisher;

/**
 * The session's own record of the charge commands the downlink sends: each 0x82 as it goes out, queued without
 * waiting for Redis so that it is in the journal ahead of the device's answer, and an event for a command the device
 * never answered (nor its resend).
 */
public final class ChargeCommandEvents {

    private ChargeCommandEvents() {
    }

    public static void attach(Downlink downlink, DeviceEvents events, EventPublisher publisher) {
        downlink.onSending(sending -> {
            if (sending.context() instanceof ChargeRequest request) {
                publisher.publish(EventBatch.telemetry(List.of(events.chargeCommand(sending.command(), request,
                        sending.attempt(), sending.connection()))));
            }
        });
        downlink.onTimeout(outcome -> {
            if (outcome.context() instanceof ChargeRequest request) {
                publisher.publish(EventBatch.of(List.of(events.chargeNoResponse(outcome.command(), request,
                        outcome.attempts()))));
            }
        });
    }
}
