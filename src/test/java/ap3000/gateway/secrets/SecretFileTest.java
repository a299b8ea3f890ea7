package ap3000.gateway.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A generated secret is the gateway's alone, and one another user could have planted is refused. */
class SecretFileTest {

    @TempDir
    Path tmp;

    @Test
    void should_generate_an_owner_only_secret_once_and_read_it_back() throws Exception {
        Path dir = tmp.resolve("data");
        String first = SecretFile.readOrCreate(dir.resolve("api-key"));
        assertThat(first).matches("[A-Za-z0-9_-]{43}");
        assertThat(SecretFile.readOrCreate(dir.resolve("api-key"))).isEqualTo(first);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("api-key"))))
                .isEqualTo("rw-------");
    }

    @Test
    void should_refuse_a_directory_others_may_write_to() throws Exception {
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThatThrownBy(() -> SecretFile.readOrCreate(shared.resolve("api-key")))
                .hasMessageContaining("writable by other users");
        assertThat(shared.resolve("api-key")).doesNotExist();
    }

    @Test
    void should_refuse_a_secret_that_is_a_link() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("linked"));
        Path elsewhere = Files.writeString(tmp.resolve("planted"), "known-to-the-attacker");
        Files.createSymbolicLink(dir.resolve("api-key"), elsewhere);
        assertThatThrownBy(() -> SecretFile.readOrCreate(dir.resolve("api-key")))
                .hasMessageContaining("not a plain file of this user");
    }

    @Test
    void should_refuse_a_secret_file_of_another_user() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "only root can give a file to another user");
        Path dir = Files.createDirectory(tmp.resolve("planted"));
        Path file = Files.writeString(dir.resolve("api-key"), "known-to-the-attacker");
        UserPrincipal nobody = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        Files.setOwner(file, nobody);
        assertThatThrownBy(() -> SecretFile.readOrCreate(file)).hasMessageContaining("not a plain file of this user");
    }
}
