package ap3000.gateway.protocol;

/** A frame whose checksum is right but whose data is too short for the command's mandatory fields. */
public class MalformedPayloadException extends RuntimeException {
    public MalformedPayloadException(String message) {
        super(message);
    }
}
