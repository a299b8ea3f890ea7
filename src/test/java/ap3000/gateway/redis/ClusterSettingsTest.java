package ap3000.gateway.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import redis.clients.jedis.HostAndPort;

/** gateway.redis.cluster.*: what is read, and the start-time errors for a wrong configuration. */
class ClusterSettingsTest {

    private static final String TOPOLOGY_ERROR = "Set only one of gateway.redis.url, gateway.redis.sentinel.master "
            + "and gateway.redis.cluster.nodes (none of them: an embedded redis-server)";

    @Test
    void should_read_every_seed_node_and_the_shared_credentials() {
        ClusterSettings settings = ClusterSettings.parse("10.0.0.1:7000, redis-2:7001,,", "gateway", "data-secret",
                true);

        assertThat(settings.nodes()).containsExactlyInAnyOrder(new HostAndPort("10.0.0.1", 7000),
                new HostAndPort("redis-2", 7001));
        assertThat(settings.user()).isEqualTo("gateway");
        assertThat(settings.password()).isEqualTo("data-secret");
        assertThat(settings.tls()).isTrue();
    }

    @Test
    void should_mean_no_cluster_when_no_node_is_named() {
        assertThat(ClusterSettings.parse("", "gateway", "secret", false)).isNull();
        assertThat(ClusterSettings.parse(null, "", "", false)).isNull();
    }

    @Test
    void should_refuse_a_node_that_is_not_host_and_port_naming_the_key() {
        assertThatThrownBy(() -> ClusterSettings.parse("10.0.0.1", "", "", false))
                .hasMessage("gateway.redis.cluster.nodes: '10.0.0.1' is not host:port");
        assertThatThrownBy(() -> ClusterSettings.parse("10.0.0.1:7000,10.0.0.2:70000", "", "", false))
                .hasMessage("gateway.redis.cluster.nodes: '10.0.0.2:70000' has no valid port");
        assertThatThrownBy(() -> ClusterSettings.parse(" , ", "", "", false))
                .hasMessageStartingWith("gateway.redis.cluster.nodes must list cluster nodes");
    }

    @Test
    void should_refuse_to_start_with_a_cluster_and_a_url() {
        RedisConnection connection = connection("redis://127.0.0.1:6379")
                .cluster(ClusterSettings.parse("127.0.0.1:7000", "", "", false));

        assertThatThrownBy(connection::start).hasStackTraceContaining(TOPOLOGY_ERROR);
    }

    @Test
    void should_refuse_to_start_with_a_cluster_and_sentinels() {
        RedisConnection connection = connection("")
                .cluster(ClusterSettings.parse("127.0.0.1:7000", "", "", false))
                .sentinel(SentinelSettings.parse("ap3000", "127.0.0.1:26379", "", "", "", false));

        assertThatThrownBy(connection::start).hasStackTraceContaining(TOPOLOGY_ERROR);
    }

    @Test
    void should_ask_one_replica_by_default_with_a_cluster() {
        assertThat(RedisConnection.ReplicaAcks.resolve("", true, Duration.ofSeconds(1), Duration.ofSeconds(2)))
                .isEqualTo(new RedisConnection.ReplicaAcks(1, Duration.ofSeconds(1)));
    }

    @Test
    void should_never_show_the_password() {
        ClusterSettings settings = ClusterSettings.parse("10.0.0.2:7001,10.0.0.1:7000", "gateway", "data-secret",
                false);

        assertThat(settings.toString()).isEqualTo("redis-cluster://10.0.0.1:7000,10.0.0.2:7001")
                .isEqualTo(settings.describe()).doesNotContain("secret");
    }

    private static RedisConnection connection(String url) {
        return new RedisConnection(url, null, 0, "always", Duration.ofSeconds(2), 1);
    }
}
