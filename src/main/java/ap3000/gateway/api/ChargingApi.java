package ap3000.gateway.api;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.Header;

import ap3000.gateway.billing.Tariffs;
import ap3000.gateway.device.ChargeRequest;
import ap3000.gateway.device.DeviceIngress;
import ap3000.gateway.device.DeviceRegistry;
import ap3000.gateway.device.Downlink;
import ap3000.gateway.protocol.ChargeControl;
import ap3000.gateway.protocol.Descriptions;
import ap3000.gateway.protocol.DeviceIds;
import ap3000.gateway.protocol.OrderNumber;
import ap3000.gateway.protocol.Payload;
import ap3000.gateway.protocol.ServerCommands;
import ap3000.gateway.protocol.Units;

/**
 * Start and stop charging, with IoT-Zinx's paths and JSON ({@code POST /charging/start}, {@code /charging/stop}),
 * plus modifying a running order (0x8A). The call answers when the device acks, or 504 once the command timed
 * out after its resend; with {@code async=true} it answers 202 at once. The device's answer always becomes an
 * event ({@code charging_start}, {@code charging_failed}, {@code charging_stopped}, {@code charging_stop_failed}).
 */
public class ChargingApi {

    private static final int MAX_DURATION_CAP = 36_000;
    private static final int MAX_PRICE_FEN = 999_999;

    private final DeviceRegistry registry;
    private final Downlink downlink;
    private final Duration answerWithin;
    private final Tariffs tariffs;

    /**
     * @param answerWithin how long a synchronous call waits: both attempts, pacing included
     * @param tariffs      keeps a price sent with a start for the order's settlement
     */
    public ChargingApi(DeviceRegistry registry, Downlink downlink, Duration answerWithin, Tariffs tariffs) {
        this.tariffs = tariffs;
        this.registry = registry;
        this.downlink = downlink;
        this.answerWithin = answerWithin;
    }

    public ApiResponse start(@Body Object body, @Header("async") String async, Exchange exchange) {
        RequestBody request = RequestBody.parse(body);
        int physicalId = request.deviceId("deviceId");
        int port = port(request);
        int mode = request.integer("mode", 0, 3);
        int value = request.integer("value", 0, 0xFFFF);
        String orderNo = orderNo(request);
        long balance = request.longValue("balance", 0, 0xFFFFFFFFL);
        Integer maxDuration = request.optionalInteger("maxDuration", 0, 0xFFFF);
        BigDecimal overloadWatts = request.optionalDecimal("overloadPower", BigDecimal.ZERO, new BigDecimal("6553.5"));
        // the platform's own price for this order (fen per kWh), used for the settlement's fees
        Integer energyFen = request.optionalInteger("energyFenPerKwh", 0, MAX_PRICE_FEN);
        Integer serviceFen = request.optionalInteger("serviceFenPerKwh", 0, MAX_PRICE_FEN);
        DeviceRegistry.Device device = connected(physicalId);
        requirePortExists(device, port);

        String active = device.activeOrder(port);
        if (active != null && active.equals(orderNo)) {
            return ApiResponse.ok(Map.of("device_id", DeviceIds.format(physicalId), "port", port, "order_no", orderNo,
                    "state", "charging", "sent", false));
        }
        if (active != null) {
            throw new ApiException(409, "port " + port + " of " + DeviceIds.format(physicalId)
                    + " is charging order " + active);
        }
        Integer status = device.portStatus(port);
        if (port != Units.ANY_PORT && status != null && Descriptions.isCharging(status)) {
            throw new ApiException(409, "port " + port + " of " + DeviceIds.format(physicalId)
                    + " is charging another order");
        }
        // as IoT-Zinx did: a timed order stops at 1.5 times its time at the latest
        int maxSeconds = maxDuration != null ? maxDuration
                : mode == 0 && value > 0 ? Math.min(value * 3 / 2, MAX_DURATION_CAP) : 0;
        if (energyFen != null || serviceFen != null) {
            tariffs.rememberOrderPrice(DeviceIds.format(physicalId), orderNo, energyFen == null ? 0 : energyFen,
                    serviceFen == null ? 0 : serviceFen);
        }
        int overload = overloadWatts == null ? 0 : overloadWatts.multiply(BigDecimal.TEN).intValueExact();
        ChargeControl control = new ChargeControl(mode, balance, port, true, value, OrderNumber.ofText(orderNo),
                maxSeconds, overload, 0, 0, 0, ChargeControl.NORMAL_SHORT_CIRCUIT_CHECK, 0, 0, 0, null);
        return send(exchange, physicalId, control, new ChargeRequest(true, port, orderNo), async);
    }

    /** Stops the port's order; the device stops only for the current order number (reference 2.4). */
    public ApiResponse stop(@Body Object body, @Header("async") String async, Exchange exchange) {
        RequestBody request = RequestBody.parse(body);
        int physicalId = request.deviceId("deviceId");
        int port = port(request);
        String orderNo = orderNo(request);
        DeviceRegistry.Device device = connected(physicalId);
        requirePortExists(device, port);
        String active = device.activeOrder(port);
        if (active != null && !active.equals(orderNo)) {
            throw new ApiException(409, "port " + port + " of " + DeviceIds.format(physicalId)
                    + " is charging order " + active + ", not " + orderNo);
        }
        ChargeControl control = new ChargeControl(0, 0, port, false, 0, OrderNumber.ofText(orderNo), 0, 0,
                0, 0, 0, ChargeControl.NORMAL_SHORT_CIRCUIT_CHECK, 0, 0, 0, null);
        return send(exchange, physicalId, control, new ChargeRequest(false, port, orderNo), async);
    }

    /**
     * 0x8A: switch a running order to a new time or energy (mode 0 timed, 1 timed and stop when full, 2 by
     * energy and stop when full; value in seconds or 0.01 kWh).
     */
    public ApiResponse modify(@Body Object body, Exchange exchange) {
        RequestBody request = RequestBody.parse(body);
        int physicalId = request.deviceId("deviceId");
        int port = request.integer("port", 1, 0xFE);
        int mode = request.integer("mode", 0, 2);
        int value = request.integer("value", 0, 0xFFFF);
        requirePortExists(connected(physicalId), port);
        return DeviceCommandAnswers.await(exchange, downlink.send(physicalId,
                id -> ServerCommands.modifyCharge(physicalId, id, mode, port, value), null), answerWithin,
                DeviceCommandAnswers::resultOnly);
    }

    private ApiResponse send(Exchange exchange, int physicalId, ChargeControl control, ChargeRequest request,
                             String async) {
        CompletableFuture<Downlink.Outcome> outcome = downlink.send(physicalId,
                id -> ServerCommands.chargeControl(physicalId, id, control), request);
        if ("true".equalsIgnoreCase(async)) {
            exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 202);
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("device_id", DeviceIds.format(physicalId));
            data.put("port", request.port());
            data.put("order_no", request.orderNo());
            data.put("state", "queued");
            return new ApiResponse(0, "queued; the answer comes as a webhook event", data);
        }
        return DeviceCommandAnswers.await(exchange, outcome, answerWithin, this::chargeAnswer);
    }

    private Map<String, Object> chargeAnswer(Downlink.Outcome outcome) {
        ChargeRequest request = (ChargeRequest) outcome.context();
        Payload.ChargeControlAck ack = (Payload.ChargeControlAck) outcome.ack().payload();
        Map<String, Object> data = DeviceCommandAnswers.sent(outcome);
        // on 255 the port the device chose; null (never 255) when its ack did not say: charging_start will
        int port = DeviceIngress.chosenPort(request, ack);
        data.put("port", port == Units.ANY_PORT ? null : port);
        data.put("order_no", request.orderNo());
        data.put("result", ack.result());
        data.put("result_desc", Descriptions.chargeResult(ack.result()));
        if (request.start()) {
            data.put("started", ack.result() == 0);
            data.put("executed", ack.result() == 0 || ack.result() == 3 || ack.result() == 9);
        } else {
            data.put("stopped", ack.result() == 0 || ack.result() == 2);
        }
        return data;
    }

    /** 1-based; 255 lets a dual socket choose (its single QR code ends in /ff). */
    private static int port(RequestBody request) {
        return request.integer("port", 1, 0xFF);
    }

    private static String orderNo(RequestBody request) {
        String orderNo = request.text("orderNo");
        try {
            OrderNumber.ofText(orderNo);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("orderNo", "must be 1 to 16 printable ASCII characters");
        }
        return orderNo;
    }

    private DeviceRegistry.Device connected(int physicalId) {
        QueryParams.requireConnected(downlink, physicalId);
        return registry.device(physicalId);
    }

    private static void requirePortExists(DeviceRegistry.Device device, int port) {
        Payload.Register registration = device.registration();
        if (port != Units.ANY_PORT && registration != null && port > registration.portCount()) {
            throw ApiException.badRequest("port", "device " + device.deviceId() + " has "
                    + registration.portCount() + " ports");
        }
    }
}
