package ap3000.gateway.api;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import org.apache.camel.Exchange;

import ap3000.gateway.device.Downlink;
import ap3000.gateway.protocol.Command;
import ap3000.gateway.protocol.Payload;

/** Waiting for a device's answer to a command and turning it into the API's answer: 200, or 504 with what was sent. */
final class DeviceCommandAnswers {

    private DeviceCommandAnswers() {
    }

    static ApiResponse await(Exchange exchange, CompletableFuture<Downlink.Outcome> future, Duration within,
                             Function<Downlink.Outcome, Map<String, Object>> answer) {
        Downlink.Outcome outcome;
        try {
            outcome = future.get(within.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new ApiException(504, "the device has not answered within " + within.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "interrupted while waiting for the device");
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
        if (outcome.timedOut()) {
            exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 504);
            return new ApiResponse(504, "the device did not answer (sent " + outcome.attempts()
                    + " times with the same message ID)", sent(outcome));
        }
        return ApiResponse.ok(answer.apply(outcome));
    }

    /** What went out on the wire. */
    static Map<String, Object> sent(Downlink.Outcome outcome) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("device_id", outcome.command().deviceId());
        data.put("command", Command.hex(outcome.command().command()));
        data.put("message_id", outcome.command().messageId());
        data.put("frame_hex", outcome.command().toHex());
        data.put("attempts", outcome.attempts());
        return data;
    }

    /** For commands whose answer is one result byte: 0 is ok. */
    static Map<String, Object> resultOnly(Downlink.Outcome outcome) {
        Map<String, Object> data = sent(outcome);
        Integer result = outcome.ack().payload() instanceof Payload.ResultAck ack ? ack.result() : null;
        data.put("result", result);
        data.put("ok", result != null && result == 0);
        return data;
    }
}
