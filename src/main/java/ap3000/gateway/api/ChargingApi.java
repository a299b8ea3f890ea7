package ap3000.gateway.api;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

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
 * Start and stop charging on IoT-Zinx's paths ({@code POST /charging/start}, {@code /charging/stop},
 * {@code /charging/update_power}), plus modifying a running order (0x8A). By default a call answers as IoT-Zinx's
 * did, once the command is on its way ({@link IotZinx}); with {@code view=gateway} it answers when the device acks,
 * with the ack's result, or 504 once the command timed out after its resend, and with {@code async=true} 202 at
 * once. The device's answer always becomes an event ({@code charging_start}, {@code charging_failed},
 * {@code charging_stopped}, {@code charging_stop_failed}).
 */
public class ChargingApi {

    private static final int MAX_DURATION_CAP = 36_000;

    private final DeviceRegistry registry;
    private final Downlink downlink;
    private final Duration answerWithin;
    /**
     * The last start sent to each port (physical ID:port), whose mode, value and balance an update_power repeats.
     * Only this node's: after the device moved to another node, an update needs a new start.
     */
    private final Map<String, ChargeControl> startsSent = new ConcurrentHashMap<>();
    private final Tariffs tariffs;
    private final Clock clock;

    /**
     * @param answerWithin how long a synchronous call waits: both attempts, pacing included
     * @param tariffs      keeps a price sent with a start for the order's settlement
     */
    public ChargingApi(DeviceRegistry registry, Downlink downlink, Duration answerWithin, Tariffs tariffs,
                       Clock clock) {
        this.tariffs = tariffs;
        this.clock = clock;
        this.registry = registry;
        this.downlink = downlink;
        this.answerWithin = answerWithin;
    }

    public ApiResponse start(@Body Object body, @Header("async") String async, @Header(ApiView.PARAMETER) String view,
                             Exchange exchange) {
        if (ApiView.of(view) == ApiView.IOT_ZINX) {
            return startAsIotZinx(body);
        }
        StartCharging request = StartCharging.from(body);
        int physicalId = request.physicalId();
        int port = request.port();
        String orderNo = request.orderNo();
        DeviceRegistry.Device device = connected(physicalId);
        requirePortExists(device, port);

        if (orderNo.equals(device.activeOrder(port))) {
            return ApiResponse.ok(Map.of("device_id", DeviceIds.format(physicalId), "port", port, "order_no", orderNo,
                    "state", "charging", "sent", false));
        }
        String conflict = conflict(device, port, orderNo);
        if (conflict != null) {
            throw new ApiException(409, conflict);
        }
        rememberPrice(OrderPrice.from(body), request);
        ChargeControl control = startControl(request);
        startsSent.put(key(physicalId, port), control);
        return send(exchange, physicalId, control, new ChargeRequest(true, port, orderNo), async);
    }

    /** Stops the port's order; the device stops only for the current order number (reference 2.4). */
    public ApiResponse stop(@Body Object body, @Header("async") String async, @Header(ApiView.PARAMETER) String view,
                            Exchange exchange) {
        if (ApiView.of(view) == ApiView.IOT_ZINX) {
            return stopAsIotZinx(body);
        }
        StopCharging request = StopCharging.from(body);
        int physicalId = request.physicalId();
        int port = request.port();
        String orderNo = request.orderNo();
        DeviceRegistry.Device device = connected(physicalId);
        requirePortExists(device, port);
        String active = device.activeOrder(port);
        if (active != null && !active.equals(orderNo)) {
            throw new ApiException(409, "port " + port + " of " + DeviceIds.format(physicalId)
                    + " is charging order " + active + ", not " + orderNo);
        }
        return send(exchange, physicalId, stopControl(port, orderNo), new ChargeRequest(false, port, orderNo), async);
    }

    /**
     * IoT-Zinx's start ({@link StartCharging#fromIotZinx}): answered once the command is on its way, the device's
     * answer comes as an event. The same order again is not sent twice.
     */
    private ApiResponse startAsIotZinx(Object body) {
        StartCharging request = StartCharging.fromIotZinx(body);
        int physicalId = request.physicalId();
        int port = request.port();
        String orderNo = request.orderNo();
        DeviceRegistry.Device device = connectedForIotZinx(physicalId, port);
        String conflict = conflict(device, port, orderNo);
        if (conflict != null) {
            throw new ApiException(409, "充电状态冲突", Map.of("error", conflict));
        }
        if (!orderNo.equals(device.activeOrder(port))) {
            rememberPrice(OrderPrice.fromIotZinx(body), request);
            ChargeControl control = startControl(request);
            startsSent.put(key(physicalId, port), control);
            sendNow(physicalId, control, new ChargeRequest(true, port, orderNo));
        }
        return new ApiResponse(0, "充电启动成功", IotZinx.action(request.deviceId(), physicalId, port, orderNo,
                request.mode(), request.value(), request.balance(), 0, 0, "start", clock));
    }

    /** Keeps the platform's own price for this order, when the start carried one, for the fees of its settlement. */
    private void rememberPrice(OrderPrice price, StartCharging request) {
        if (price.given()) {
            tariffs.rememberOrderPrice(DeviceIds.format(request.physicalId()), request.orderNo(),
                    price.energyFenPerKwh() == null ? 0 : price.energyFenPerKwh(),
                    price.serviceFenPerKwh() == null ? 0 : price.serviceFenPerKwh());
        }
    }

    /**
     * IoT-Zinx's stop (HandleStopCharging): orderNo optional (the port's current order then), a port with no order
     * answers 200 "idempotent", another order than the port's is 409.
     */
    private ApiResponse stopAsIotZinx(Object body) {
        StopCharging request = StopCharging.fromIotZinx(body);
        String given = request.deviceId();
        int physicalId = request.physicalId();
        int port = request.port();
        String requested = request.orderNo();
        DeviceRegistry.Device device = connectedForIotZinx(physicalId, port);
        String active = device.activeOrder(port);
        if (active != null && requested != null && !active.equals(requested)) {
            throw new ApiException(409, "订单校验失败", Map.of("error", "port " + port + " of "
                    + DeviceIds.format(physicalId) + " is charging order " + active + ", not " + requested));
        }
        Integer status = device.portStatus(port);
        boolean charging = active != null
                || (status == null ? requested != null : Descriptions.isCharging(status));
        if (!charging) {
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("idempotent", true);
            data.put("detail", IotZinx.action(given, physicalId, port, requested, 0, 0, 0, 0, 0, "stop", clock));
            return new ApiResponse(0, "充电已停止(幂等)", data);
        }
        String order = requested != null ? requested : active;
        if (order == null) {
            throw new ApiException(409, "订单校验失败", Map.of("error", "port " + port + " of "
                    + DeviceIds.format(physicalId) + " is charging an order this node did not start: give its orderNo"));
        }
        sendNow(physicalId, stopControl(port, order), new ChargeRequest(false, port, order));
        return new ApiResponse(0, "充电已停止",
                IotZinx.action(given, physicalId, port, order, 0, 0, 0, 0, 0, "stop", clock));
    }

    /**
     * IoT-Zinx's {@code POST /charging/update_power} (HandleUpdateChargingPower): sends the running order's 0x82 start
     * again with a new overload power and, unless 0, a new longest time; its mode, value and balance are the ones
     * this node sent at its start. With {@code view=gateway} the answer waits for the device's ack.
     */
    public ApiResponse updatePower(@Body Object body, @Header(ApiView.PARAMETER) String view, Exchange exchange) {
        ApiView answer = ApiView.of(view);
        UpdateChargingPower request = UpdateChargingPower.from(body);
        String given = request.deviceId();
        int port = request.port();
        String orderNo = request.orderNo();
        int overloadWatts = request.overloadWatts();
        int maxSeconds = request.maxSeconds();
        int physicalId = request.physicalId();
        if (!downlink.isConnected(physicalId)) {
            throw new ApiException(404, "设备不在线");
        }
        String active = registry.device(physicalId).activeOrder(port);
        ChargeControl started = startsSent.get(key(physicalId, port));
        String problem = active == null ? "未找到端口 " + DeviceIds.format(physicalId) + ":" + port + " 上的进行中订单"
                : !active.equals(orderNo) ? "订单号不匹配，当前订单: " + active + "，请求更新订单: " + orderNo
                : started == null || !started.order().text().equals(orderNo)
                ? "order " + orderNo + " was not started through this node, so its mode, value and balance are unknown"
                : null;
        if (problem != null) {
            throw new ApiException(500, "更新失败", Map.of("error", problem));
        }
        // the same port: startsSent is keyed by it
        ChargeControl update = started.toBuilder()
                .maxDurationSeconds(maxSeconds != 0 ? maxSeconds : started.maxDurationSeconds())
                .overloadPowerDeciWatts(overloadWatts * 10).build();
        startsSent.put(key(physicalId, port), update);
        // no ChargeRequest: the ack is a command_ack, not a second charging_start
        CompletableFuture<Downlink.Outcome> outcome = sendNow(physicalId, update, null);
        if (answer == ApiView.GATEWAY) {
            return DeviceCommandAnswers.await(exchange, outcome, answerWithin, DeviceCommandAnswers::resultOnly);
        }
        return new ApiResponse(0, "更新成功", IotZinx.action(given, physicalId, port, orderNo, 0, 0, 0, overloadWatts,
                maxSeconds, "update_power", clock));
    }

    /**
     * 0x8A: switch a running order to a new time or energy (mode 0 timed, 1 timed and stop when full, 2 by
     * energy and stop when full; value in seconds or 0.01 kWh).
     */
    public ApiResponse modify(@Body Object body, Exchange exchange) {
        ModifyCharging request = ModifyCharging.from(body);
        int physicalId = request.physicalId();
        requirePortExists(connected(physicalId), request.port());
        return DeviceCommandAnswers.await(exchange, downlink.send(physicalId,
                id -> ServerCommands.modifyCharge(physicalId, id, request.mode(), request.port(), request.value()),
                null), answerWithin,
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

    /** Why the port cannot start this order, or null: another order is charging there. */
    private static String conflict(DeviceRegistry.Device device, int port, String orderNo) {
        String active = device.activeOrder(port);
        if (active != null && !active.equals(orderNo)) {
            return "port " + port + " of " + device.deviceId() + " is charging order " + active;
        }
        Integer status = device.portStatus(port);
        if (active == null && port != Units.ANY_PORT && status != null && Descriptions.isCharging(status)) {
            return "port " + port + " of " + device.deviceId() + " is charging another order";
        }
        return null;
    }

    private static ChargeControl startControl(StartCharging request) {
        int mode = request.mode();
        int value = request.value();
        // as IoT-Zinx did: a timed order stops at 1.5 times its time at the latest
        int maxSeconds = request.maxDuration() != null ? request.maxDuration()
                : mode == 0 && value > 0 ? Math.min(value * 3 / 2, MAX_DURATION_CAP) : 0;
        int overload = request.overloadWatts() == null ? 0
                : request.overloadWatts().multiply(BigDecimal.TEN).intValueExact();
        return ChargeControl.start(mode, request.balance(), request.port(), value, OrderNumber.ofText(request.orderNo()))
                .maxDurationSeconds(maxSeconds).overloadPowerDeciWatts(overload).build();
    }

    private static ChargeControl stopControl(int port, String orderNo) {
        return ChargeControl.stop(port, OrderNumber.ofText(orderNo));
    }

    /** Queues the command; its answer (or its timeout) becomes an event. */
    private CompletableFuture<Downlink.Outcome> sendNow(int physicalId, ChargeControl control, ChargeRequest request) {
        try {
            return downlink.send(physicalId, id -> ServerCommands.chargeControl(physicalId, id, control), request);
        } catch (Downlink.NotConnectedException e) {
            throw new ApiException(503, "设备不在线");
        }
    }

    /** IoT-Zinx answers 503 for a device that is not connected; a port the device does not have is a 400. */
    private DeviceRegistry.Device connectedForIotZinx(int physicalId, int port) {
        if (!downlink.isConnected(physicalId)) {
            throw new ApiException(503, "设备不在线");
        }
        DeviceRegistry.Device device = registry.device(physicalId);
        IotZinx.field(() -> {
            requirePortExists(device, port);
            return device;
        });
        return device;
    }

    private static String key(int physicalId, int port) {
        return physicalId + ":" + port;
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
