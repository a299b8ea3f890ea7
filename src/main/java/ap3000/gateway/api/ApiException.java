package ap3000.gateway.api;

/** A request the API refuses, with the HTTP status and a message that names what is wrong. */
public class ApiException extends RuntimeException {

    private final int status;

    public ApiException(int status, String message) {
        super(message);
        this.status = status;
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
}
