package ap3000.gateway.device;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import ap3000.gateway.protocol.Descriptions;
import ap3000.gateway.protocol.DeviceIds;
import ap3000.gateway.protocol.Payload;
import ap3000.gateway.redis.RedisConnection;
import redis.clients.jedis.AbstractPipeline;

/**
 * What each device's last 0x20 registration said about it (type and firmware), in Redis
 * ({@code gateway:device:{id}:profile}, a hash), so that {@code device_online} can name them on every
 * connection, on any node, before the device registers again. Kept for a TTL renewed at each registration:
 * a device that stays away longer is described again by its next registration.
 */
public class DeviceProfiles {

    /** A device's type (reference 3.9) and firmware version ("V6.40"). */
    public record Profile(Integer deviceType, String firmwareVersion) {

        public static Profile of(Payload.Register registration) {
            return new Profile(registration.deviceType(),
                    Descriptions.firmwareVersion(registration.firmwareVersion()));
        }
    }

    private final RedisConnection redis;
    private final long ttlSeconds;

    public DeviceProfiles(RedisConnection redis, Duration ttl) {
        this.redis = redis;
        this.ttlSeconds = ttl.toSeconds();
    }

    public void remember(int physicalId, Profile profile) {
        String key = key(physicalId);
        try (AbstractPipeline p = redis.pipelined()) {
            p.del(key);
            if (profile.deviceType() != null) {
                p.hset(key, "device_type", profile.deviceType().toString());
            }
            p.hset(key, "firmware_version", profile.firmwareVersion());
            p.expire(key, ttlSeconds);
            RedisConnection.syncOrThrow(p);
        }
    }

    /** The remembered profile; empty when none is, or when what Redis holds is not one (Redis is untrusted). */
    public Optional<Profile> recall(int physicalId) {
        Map<String, String> fields = redis.client().hgetAll(key(physicalId));
        String firmware = fields.get("firmware_version");
        if (firmware == null || !firmware.matches("V\\d{1,3}\\.\\d{2}")) {
            return Optional.empty();
        }
        String type = fields.get("device_type");
        Integer deviceType = type != null && type.matches("\\d{1,3}") ? Integer.valueOf(type) : null;
        return Optional.of(new Profile(deviceType, firmware));
    }

    private static String key(int physicalId) {
        return "gateway:device:" + DeviceIds.format(physicalId) + ":profile";
    }
}
