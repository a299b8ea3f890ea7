package ap3000.gateway.secrets;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A secret the gateway generates on its first start and keeps in its data directory (the API key, the embedded
 * Redis password, the cluster secret), readable by the gateway's user only, so that a gateway started with no
 * configuration is still closed to other users of the host.
 */
public final class SecretFile {

    private static final Logger LOG = LoggerFactory.getLogger(SecretFile.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_DIRECTORY = PosixFilePermissions.fromString("rwx------");

    private SecretFile() {
    }

    /** The secret kept in {@code file}; on first use 32 random bytes, base64url, written with mode 0600. */
    public static String readOrCreate(Path file) throws IOException {
        ownerOnlyDirectory(file.toAbsolutePath().getParent());
        if (!Files.exists(file)) {
            byte[] bytes = new byte[32];
            RANDOM.nextBytes(bytes);
            try {
                writeOwnerOnly(file, Base64.getUrlEncoder().withoutPadding().encodeToString(bytes) + "\n");
            } catch (FileAlreadyExistsException raced) {
                // another gateway on the same directory wrote it first: use theirs
            }
        }
        if (Files.isSymbolicLink(file) || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)
                || !Files.getOwner(file, LinkOption.NOFOLLOW_LINKS).getName().equals(System.getProperty("user.name"))) {
            // a secret someone else could have planted (or read) is no secret
            throw new IOException(file + " is not a plain file of this user; delete it to have a new secret generated");
        }
        ownerOnly(file);
        String secret = Files.readString(file, StandardCharsets.UTF_8).trim();
        if (secret.isEmpty()) {
            throw new IOException(file + " is empty; delete it to have a new secret generated");
        }
        return secret;
    }

    /** Creates {@code file} with mode 0600 from the start, so that its content is never readable by others. */
    public static void writeOwnerOnly(Path file, String content) throws IOException {
        if (posix(file.toAbsolutePath().getParent())) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_FILE));
            Files.writeString(file, content, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
        } else {
            Files.writeString(file, content, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW);
        }
    }

    /**
     * Creates the directory with mode 0700, or narrows an existing one (of an older gateway) to its owner, on every
     * start. One that other users may write to (such as /tmp) or that belongs to another user is refused.
     */
    public static void ownerOnlyDirectory(Path dir) throws IOException {
        if (!posix(dir.toAbsolutePath().getRoot())) {
            Files.createDirectories(dir);
            return;
        }
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_DIRECTORY));
        }
        if (!Files.getOwner(dir).getName().equals(System.getProperty("user.name"))) {
            throw new IOException(dir + " belongs to another user; give the gateway a data directory of its own"
                    + " (gateway.data-dir)");
        }
        Set<PosixFilePermission> current = Files.getPosixFilePermissions(dir);
        if (current.contains(PosixFilePermission.OTHERS_WRITE) || current.contains(PosixFilePermission.GROUP_WRITE)) {
            // another user could plant a secret there before the gateway writes its own: refuse rather than narrow
            // a directory that is shared by design (/tmp)
            throw new IOException(dir + " is writable by other users; give the gateway a data directory of its own"
                    + " (gateway.data-dir)");
        } else if (!current.equals(OWNER_DIRECTORY)) {
            Files.setPosixFilePermissions(dir, OWNER_DIRECTORY);
            LOG.info("{} made accessible to its owner only (it was {})", dir, PosixFilePermissions.toString(current));
        }
    }

    private static void ownerOnly(Path file) throws IOException {
        if (posix(file)) {
            Files.setPosixFilePermissions(file, OWNER_FILE);
        }
    }

    private static boolean posix(Path path) {
        return path.getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}
