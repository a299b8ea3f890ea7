package ap3000.gateway.protocol;

/** Turns a frame's data into the typed payload of its command. Never throws: what it cannot read stays raw. */
public final class PayloadDecoder {

    private PayloadDecoder() {
    }

    public static Payload decode(DnyFrame frame) {
        PayloadReader r = new PayloadReader(frame.data(), frame.command());
        try {
            return switch (frame.command()) {
                case 0x01 -> Payload.OldHeartbeat.read(r);
                case 0x02 -> Payload.CardSwipe.read(r);
                case 0x03 -> Payload.Settlement.read(r);
                case 0x04 -> Payload.OrderConfirm.read(r);
                case 0x05 -> Payload.UpgradeRequest.read(r);
                case 0x06 -> Payload.PowerHeartbeat.read(r);
                case 0x11 -> Payload.HostHeartbeat.read(r);
                case 0x12, 0x22 -> new Payload.TimeRequest();
                case 0x15 -> new Payload.HostUpgradeRequest(r.restHex());
                case 0x17 -> Payload.HostStatus.read(r);
                case 0x20 -> Payload.Register.read(r);
                case 0x21 -> Payload.Heartbeat.read(r);
                case 0x35 -> Payload.SlaveVersions.read(r);
                case 0x3B -> Payload.FskParamsRequest.read(r);
                case 0x41 -> Payload.CabinetHeartbeat.read(r);
                case 0x42 -> Payload.Alarm.read(r);
                case 0x43 -> new Payload.CabinetChargeFinished(Payload.Settlement.read(r));
                case 0x44 -> Payload.PortPush.read(r);
                case 0x72 -> Payload.CabinetStopAck.read(r);
                case 0x82 -> Payload.ChargeControlAck.read(r);
                case 0x8B -> Payload.EepromReadAck.read(r);
                case 0x90 -> new Payload.ParametersAck(0x90, DeviceParameters.RunParams1.read(r));
                case 0x91 -> new Payload.ParametersAck(0x91, DeviceParameters.RunParams2.read(r));
                case 0x92 -> new Payload.ParametersAck(0x92, DeviceParameters.ChargeLimits.read(r));
                case 0x93 -> new Payload.ParametersAck(0x93, DeviceParameters.CardParams.read(r));
                case 0xE0, 0xE1, 0xE2, 0xF8, 0xF9, 0xFA -> Payload.UpgradeAck.read(frame.command(), r);
                default -> {
                    Command known = Command.of(frame.command());
                    if (known != null && known.isServerCommand()) {
                        yield Payload.ResultAck.read(frame.command(), r);
                    }
                    yield new Payload.Unparsed("unknown command " + Command.hex(frame.command()));
                }
            };
        } catch (MalformedPayloadException e) {
            return new Payload.Unparsed(e.getMessage());
        }
    }
}
