package ap3000.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterSecretTest {

    @TempDir
    Path dataDir;

    @Test
    void should_generate_a_secret_only_its_owner_can_read_and_reuse_it_on_the_next_start() throws Exception {
        String first = ClusterSecret.resolve("", dataDir, false);
        String second = ClusterSecret.resolve("", dataDir, true);

        Path file = dataDir.resolve("cluster.secret");
        assertThat(first).hasSizeGreaterThanOrEqualTo(ClusterSecret.MIN_LENGTH).isEqualTo(second);
        assertThat(Files.readString(file).trim()).isEqualTo(first);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }

    @Test
    void should_use_a_configured_secret_and_keep_none_on_disk() throws Exception {
        String configured = "a-configured-secret-of-32-characters-at-least";

        assertThat(ClusterSecret.resolve(configured, dataDir, true)).isEqualTo(configured);
        assertThat(dataDir.resolve("cluster.secret")).doesNotExist();
    }

    @Test
    void should_refuse_to_start_with_a_short_secret_naming_the_key_but_not_the_secret() {
        assertThatThrownBy(() -> ClusterSecret.resolve("short-secret", dataDir, true))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("gateway.cluster.secret").hasMessageContaining("32")
                .hasMessageNotContaining("short-secret");
        assertThatThrownBy(() -> new NodeMessageSigner("a-configured-secret-of-32-characters-at-least", "short"))
                .hasMessageContaining("gateway.cluster.previous-secret");
    }
}
