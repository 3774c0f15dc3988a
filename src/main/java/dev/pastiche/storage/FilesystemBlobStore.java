package dev.pastiche.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Blobs as files under a root directory ({@code ab/cd/abcd…}): written to a temporary file,
 * flushed to the device, then moved into place atomically and the directory flushed, so a blob is
 * either whole or absent even if the process or the machine dies mid-write. A blob's age is its
 * file's modification time, which a put of the same bytes sets to now again.
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
        if (Files.isRegularFile(target) && touched(target, key)) {
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

    /**
     * Makes stored bytes young again, so that the orphan sweep, which takes only blobs older than its
     * grace, leaves them to the row this put is for; false when the file went meanwhile (swept or
     * deleted), to be written again. Where the time cannot be set, the sweep's grace still covers the
     * milliseconds until the row is written unless the bytes had been an orphan for longer.
     */
    private static boolean touched(Path target, String key) {
        try {
            Files.setLastModifiedTime(target, FileTime.from(Instant.now()));
            return true;
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            // only a file's owner may set its time (a volume shared with another user): the bytes are there, which is what the put needs
            return Files.isRegularFile(target);
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

    /** Walks only the {@code ab/cd} folders: {@code incoming/} and whatever else the volume holds are not blobs. */
    @Override
    public List<String> keysOlderThan(Instant cutoff) {
        List<String> keys = new ArrayList<>();
        try {
            Path start = root.toRealPath(); // the walk would not enter a root that is a symbolic link
            Files.walkFileTree(start, EnumSet.noneOf(FileVisitOption.class), 3, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path directory, BasicFileAttributes attributes) {
                    return directory.equals(start) || directory.getFileName().toString().matches("[0-9a-f]{2}")
                            ? FileVisitResult.CONTINUE : FileVisitResult.SKIP_SUBTREE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                    String name = file.getFileName().toString();
                    if (attributes.isRegularFile() && BlobStore.isKey(name) && start.relativize(file).equals(relativePath(name))
                            && attributes.lastModifiedTime().toInstant().isBefore(cutoff)) {
                        keys.add(name);
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    if (e instanceof NoSuchFileException) {
                        return FileVisitResult.CONTINUE; // deleted while the walk went on: not a candidate any more
                    }
                    throw e;
                }
            });
        } catch (NoSuchFileException e) {
            return keys; // no root (the volume was emptied): no blobs
        } catch (IOException e) {
            throw new BlobStoreUnavailableException("cannot list blobs under " + root, e);
        }
        return keys;
    }

    /**
     * Removes the {@code .part} files in {@code incoming/} older than {@code cutoff}: the temporary
     * files of puts whose process was killed before the move. A put in progress writes its file
     * within seconds, so one older than the sweep's grace belongs to nobody.
     */
    @Override
    public int deletePartialUploads(Instant cutoff) {
        int deleted = 0;
        try (DirectoryStream<Path> parts = Files.newDirectoryStream(incoming, "*.part")) {
            for (Path part : parts) {
                try {
                    if (Files.getLastModifiedTime(part).toInstant().isBefore(cutoff) && Files.deleteIfExists(part)) {
                        deleted++;
                    }
                } catch (NoSuchFileException e) {
                    // its put finished (or another node removed it) meanwhile
                }
            }
        } catch (NoSuchFileException e) {
            return deleted; // no incoming/ (the volume was emptied): nothing left behind; the next put makes it again
        } catch (IOException | DirectoryIteratorException e) {
            throw new BlobStoreUnavailableException("cannot clean " + incoming, e);
        }
        return deleted;
    }

    private Path path(String key) {
        return root.resolve(relativePath(BlobStore.checkKey(key)));
    }

    private static Path relativePath(String key) {
        return Path.of(key.substring(0, 2), key.substring(2, 4), key);
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
