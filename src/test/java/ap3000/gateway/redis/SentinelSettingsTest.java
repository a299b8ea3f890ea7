package ap3000.gateway.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import redis.clients.jedis.HostAndPort;

class SentinelSettingsTest {

    private static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(2);

    @Test
    void should_read_the_master_name_and_every_sentinel() {
        SentinelSettings settings = SentinelSettings.parse(" ap3000 ", "10.0.0.1:26379, sentinel-2:26380,,", "",
                "data-secret", "sentinel-secret", true);

        assertThat(settings.master()).isEqualTo("ap3000");
        assertThat(settings.nodes()).containsExactlyInAnyOrder(new HostAndPort("10.0.0.1", 26379),
                new HostAndPort("sentinel-2", 26380));
        assertThat(settings.user()).isNull();
        assertThat(settings.tls()).isTrue();
    }

    @Test
    void should_mean_no_sentinel_when_no_master_is_named() {
        assertThat(SentinelSettings.parse("", "", "", "", "", false)).isNull();
    }

    @Test
    void should_refuse_bad_sentinel_settings_naming_the_key() {
        assertThatThrownBy(() -> SentinelSettings.parse("", "10.0.0.1:26379", "", "", "", false))
                .hasMessageContaining("gateway.redis.sentinel.master");
        assertThatThrownBy(() -> SentinelSettings.parse("ap3000", " ", "", "", "", false))
                .hasMessageContaining("gateway.redis.sentinel.nodes must list the sentinels");
        assertThatThrownBy(() -> SentinelSettings.parse("ap3000", "10.0.0.1", "", "", "", false))
                .hasMessage("gateway.redis.sentinel.nodes: '10.0.0.1' is not host:port");
        assertThatThrownBy(() -> SentinelSettings.parse("ap3000", "10.0.0.1:263790", "", "", "", false))
                .hasMessage("gateway.redis.sentinel.nodes: '10.0.0.1:263790' has no valid port");
    }

    @Test
    void should_refuse_a_url_and_sentinels_together() {
        RedisConnection connection = new RedisConnection("redis://127.0.0.1:6379", null, 0, "always",
                SOCKET_TIMEOUT, 1).sentinel(SentinelSettings.parse("ap3000", "127.0.0.1:26379", "", "", "", false));

        assertThatThrownBy(connection::start).hasStackTraceContaining(
                "Set only one of gateway.redis.url, gateway.redis.sentinel.master and gateway.redis.cluster.nodes");
    }

    @Test
    void should_never_show_a_password() {
        SentinelSettings settings = SentinelSettings.parse("ap3000", "10.0.0.1:26379", "gateway", "data-secret",
                "sentinel-secret", false);

        assertThat(settings.toString()).isEqualTo("redis-sentinel://ap3000@10.0.0.1:26379")
                .isEqualTo(settings.describe()).doesNotContain("secret");
    }

    @Test
    void should_wait_for_one_replica_with_sentinel_and_for_none_otherwise_unless_configured() {
        assertThat(RedisConnection.ReplicaAcks.resolve("", true, Duration.ofSeconds(1), SOCKET_TIMEOUT))
                .isEqualTo(new RedisConnection.ReplicaAcks(1, Duration.ofSeconds(1)));
        assertThat(RedisConnection.ReplicaAcks.resolve("", false, Duration.ofSeconds(1), SOCKET_TIMEOUT))
                .isEqualTo(RedisConnection.ReplicaAcks.NONE);
        assertThat(RedisConnection.ReplicaAcks.resolve("0", true, Duration.ofSeconds(1), SOCKET_TIMEOUT))
                .isEqualTo(RedisConnection.ReplicaAcks.NONE);
        assertThat(RedisConnection.ReplicaAcks.resolve("2", false, Duration.ofMillis(500), SOCKET_TIMEOUT).replicas())
                .isEqualTo(2);
    }

    @Test
    void should_refuse_a_bad_replica_count_or_timeout_naming_the_key() {
        assertThatThrownBy(() -> RedisConnection.ReplicaAcks.resolve("one", true, Duration.ofSeconds(1),
                SOCKET_TIMEOUT)).hasMessageContaining("gateway.redis.min-replicas-acked");
        assertThatThrownBy(() -> RedisConnection.ReplicaAcks.resolve("-1", true, Duration.ofSeconds(1),
                SOCKET_TIMEOUT)).hasMessageContaining("gateway.redis.min-replicas-acked");
        assertThatThrownBy(() -> RedisConnection.ReplicaAcks.resolve("", true, Duration.ofSeconds(2),
                SOCKET_TIMEOUT)).hasMessageContaining("gateway.redis.replica-ack-timeout must be above 0 and below "
                        + "gateway.redis.timeout (2000 ms)");
    }
}
