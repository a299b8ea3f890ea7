package ap3000.gateway.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ap3000.gateway.secrets.SecretFile;

/**
 * The secret gateway nodes sign their requests to each other with ({@code gateway.cluster.secret}). When none is
 * configured, the node generates one on first start and keeps it in {@code <data-dir>/cluster.secret} (mode 0600):
 * a single node needs no setup, while nodes sharing a Redis must all be given the same one.
 */
public final class ClusterSecret {

    public static final String KEY = "gateway.cluster.secret";
    public static final String PREVIOUS_KEY = "gateway.cluster.previous-secret";
    /** Bytes (UTF-8) a secret must have at least: HMAC-SHA256 gains nothing from longer ones, loses from shorter. */
    public static final int MIN_LENGTH = 32;
    static final String FILE_NAME = "cluster.secret";
    private static final Logger LOG = LoggerFactory.getLogger(ClusterSecret.class);

    private ClusterSecret() {
    }

    /**
     * The configured secret, or the one kept in the data directory (generated there the first time).
     *
     * @param sharedRedis whether the Redis is external, so other nodes may share it and need the same secret
     */
    public static String resolve(String configured, Path dataDir, boolean sharedRedis) throws IOException {
        if (!configured.isEmpty()) {
            return checked(KEY, configured);
        }
        if (sharedRedis) {
            LOG.warn("{} is not set: this node signs its requests to other nodes with its own generated secret ({}),"
                    + " so API calls forwarded between nodes sharing this Redis only work once every node is given"
                    + " the same GATEWAY_CLUSTER_SECRET", KEY, dataDir.resolve(FILE_NAME));
        }
        return checked(dataDir.resolve(FILE_NAME).toString(), SecretFile.readOrCreate(dataDir.resolve(FILE_NAME)));
    }

    /** The secret as given, or a start failure naming {@code key} when it is too short. */
    public static String checked(String key, String secret) {
        if (secret.getBytes(StandardCharsets.UTF_8).length < MIN_LENGTH) {
            throw new IllegalStateException(key + " must be at least " + MIN_LENGTH + " bytes long (ASCII characters)");
        }
        return secret;
    }
}
