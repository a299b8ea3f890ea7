package ap3000.gateway.notify;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.List;
import java.util.StringJoiner;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Standard Webhooks signatures: {@code v1,} + base64 HMAC-SHA256 of {@code id.timestamp.body}, one per secret,
 * separated by spaces, so that a receiver that rotates its secret accepts the old and the new one meanwhile.
 */
public final class WebhookSigner {

    private WebhookSigner() {
    }

    public static String signature(List<byte[]> secrets, String id, long timestampSeconds, String body) {
        byte[] content = (id + "." + timestampSeconds + "." + body).getBytes(StandardCharsets.UTF_8);
        StringJoiner signatures = new StringJoiner(" ");
        for (byte[] secret : secrets) {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(secret, "HmacSHA256"));
                signatures.add("v1," + Base64.getEncoder().encodeToString(mac.doFinal(content)));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
            }
        }
        return signatures.toString();
    }
}
