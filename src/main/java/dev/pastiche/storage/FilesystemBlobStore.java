package dev.pastiche.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Blobs as files under a root directory ({@code ab/cd/abcd…}): written to a temporary file,
 * flushed to the device, then moved into place atomically and the directory flushed, so a blob is
 * either whole or absent even if the process or the machine dies mid-write.
 */
public class FilesystemBlobStore implements BlobStore {

    private final Path root;
    private final Path incoming;

    public FilesystemBlobStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
        this.incoming = this.root.resolve("incoming");
        try {
            Files.createDirectories(incoming);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create blob directory " + this.root, e);
        }
    }

    @Override
    public String put(byte[] data) {
        String key = sha256(data);
        Path target = path(key);
        if (Files.isRegularFile(target)) {
            return key;
        }
        try {
            Files.createDirectories(target.getParent());
            // again here: a volume remounted or emptied after start would otherwise fail every put until a restart
            Files.createDirectories(incoming);
            Path temp = Files.createTempFile(incoming, key.substring(0, 8), ".part");
            try {
                try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                    ByteBuffer buffer = ByteBuffer.wrap(data);
                    while (buffer.hasRemaining()) {
                        channel.write(buffer);
                    }
                    channel.force(true);
                }
                move(temp, target);
                flushDirectory(target.getParent());
            } finally {
                Files.deleteIfExists(temp);
            }
            return key;
        } catch (IOException e) {
            throw new BlobStoreUnavailableException("cannot store blob " + key, e);
        }
    }

    private static void move(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
            // a concurrent put of the same bytes won: the content is identical by construction
            if (!Files.isRegularFile(target)) {
                throw e;
            }
        }
    }

    private static void flushDirectory(Path directory) {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // some file systems cannot sync directories; the file itself is already on disk
        }
    }

    @Override
    public Optional<byte[]> get(String key) {
        try {
            return Optional.of(Files.readAllBytes(path(key)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new BlobStoreUnavailableException("cannot read blob " + key, e);
        }
    }

    @Override
    public boolean exists(String key) {
        return Files.isRegularFile(path(key));
    }

    @Override
    public void delete(String key) {
        try {
            Files.deleteIfExists(path(key));
        } catch (IOException e) {
            throw new BlobStoreUnavailableException("cannot delete blob " + key, e);
        }
    }

    /** Writable as a put needs it: the folders made again if they went, a file created, flushed and removed. */
    @Override
    public void probe() {
        try {
            Files.createDirectories(incoming);
            Path probe = Files.createTempFile(incoming, "probe", ".part");
            try (FileChannel channel = FileChannel.open(probe, StandardOpenOption.WRITE)) {
                channel.write(ByteBuffer.wrap(new byte[] {1}));
                channel.force(true);
            } finally {
                Files.deleteIfExists(probe);
            }
        } catch (IOException e) {
            throw new BlobStoreUnavailableException("cannot write under " + root, e);
        }
    }

    private Path path(String key) {
        BlobStore.checkKey(key);
        return root.resolve(key.substring(0, 2)).resolve(key.substring(2, 4)).resolve(key);
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
