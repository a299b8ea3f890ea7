package ap3000.gateway.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/** The one envelope of every API answer, as IoT-Zinx's API had it: {@code code} 0 means success. */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ApiResponse(int code, String message, Object data) {

    public static ApiResponse ok(Object data) {
        return new ApiResponse(0, "ok", data);
    }

    public static ApiResponse error(int httpStatus, String message) {
        return new ApiResponse(httpStatus, message, null);
    }
}
