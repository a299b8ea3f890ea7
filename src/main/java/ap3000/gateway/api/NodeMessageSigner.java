package ap3000.gateway.api;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs and verifies what gateway nodes publish to each other: {@code base64url(HMAC-SHA256(secret, json)) + "." +
 * json}, the MAC over the exact UTF-8 bytes of the JSON. Messages are signed with the current secret and accepted
 * under it or, during a rotation, under the previous one.
 */
public final class NodeMessageSigner {

    private static final String ALGORITHM = "HmacSHA256";

    private final SecretKeySpec current;
    private final List<SecretKeySpec> accepted = new ArrayList<>();

    /** @param previousSecret also accepted while the secret is rotated; empty when there is none */
    public NodeMessageSigner(String secret, String previousSecret) {
        current = key(ClusterSecret.checked(ClusterSecret.KEY, secret));
        accepted.add(current);
        if (!previousSecret.isEmpty()) {
            accepted.add(key(ClusterSecret.checked(ClusterSecret.PREVIOUS_KEY, previousSecret)));
        }
    }

    public String sign(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(mac(current, json)) + "." + json;
    }

    /** The JSON of a message signed with an accepted secret; empty for anything else. Nothing is parsed before. */
    public Optional<String> verify(String signed) {
        int dot = signed.indexOf('.');
        if (dot < 0) {
            return Optional.empty();
        }
        byte[] given;
        try {
            given = Base64.getUrlDecoder().decode(signed.substring(0, dot));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        String json = signed.substring(dot + 1);
        for (SecretKeySpec key : accepted) {
            if (MessageDigest.isEqual(mac(key, json), given)) {
                return Optional.of(json);
            }
        }
        return Optional.empty();
    }

    private static byte[] mac(SecretKeySpec key, String json) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac.doFinal(json.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(ALGORITHM + " is part of every Java runtime", e);
        }
    }

    private static SecretKeySpec key(String secret) {
        return new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), ALGORITHM);
    }
}
