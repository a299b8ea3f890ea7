package ap3000.gateway.api;

/** A request the API refuses, with the HTTP status, a message that names what is wrong and, if any, the data. */
public class ApiException extends RuntimeException {

    private final int status;
    private final Object data;

    public ApiException(int status, String message) {
        this(status, message, null);
    }

    /** @param data the envelope's {@code data}, for answers whose refusal carries detail (IoT-Zinx's {@code error}) */
    public ApiException(int status, String message, Object data) {
        super(message);
        this.status = status;
        this.data = data;
    }

    public static ApiException badRequest(String field, String problem) {
        return new ApiException(400, field + ": " + problem);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, message);
    }

    public int status() {
        return status;
    }

    public Object data() {
        return data;
    }
}
