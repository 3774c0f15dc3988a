package dev.pastiche.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FilesystemBlobStoreTests {

    @TempDir
    Path root;

    @Test
    void storesBytesUnderTheirSha256AndReadsThemBack() throws Exception {
        BlobStore store = new FilesystemBlobStore(root);
        byte[] data = "a picture".getBytes(StandardCharsets.UTF_8);
        String key = store.put(data);
        assertThat(key).isEqualTo(HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(data)));
        assertThat(store.get(key)).contains(data);
        assertThat(store.exists(key)).isTrue();
        assertThat(Files.isRegularFile(root.resolve(key.substring(0, 2)).resolve(key.substring(2, 4)).resolve(key))).isTrue();
    }

    @Test
    void theSameBytesAreStoredOnceAndDeletionRemovesThem() {
        BlobStore store = new FilesystemBlobStore(root);
        String first = store.put(new byte[] {1, 2, 3});
        String second = store.put(new byte[] {1, 2, 3});
        assertThat(second).isEqualTo(first);
        store.delete(first);
        assertThat(store.exists(first)).isFalse();
        assertThat(store.get(first)).isEmpty();
        store.delete(first);
    }

    @Test
    void leavesNoPartialFilesBehindAndSurvivesConcurrentPutsOfTheSameBytes() throws Exception {
        BlobStore store = new FilesystemBlobStore(root);
        byte[] data = new byte[1 << 20];
        new java.util.Random(1).nextBytes(data);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<String>> keys = IntStream.range(0, 16).mapToObj(i -> pool.submit(() -> store.put(data))).toList();
            for (Future<String> key : keys) {
                assertThat(store.get(key.get())).hasValueSatisfying(bytes -> assertThat(bytes).isEqualTo(data));
            }
        } finally {
            pool.shutdown();
        }
        try (Stream<Path> incoming = Files.list(root.resolve("incoming"))) {
            assertThat(incoming).isEmpty();
        }
    }

    @Test
    void refusesKeysThatAreNotDigests() {
        BlobStore store = new FilesystemBlobStore(root);
        assertThatThrownBy(() -> store.get("../../etc/passwd")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.delete("ABC")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void probeWritesNothingItLeavesAndFailsWhileTheFolderIsAFile() throws Exception {
        Path folder = root.resolve("blobs");
        BlobStore store = new FilesystemBlobStore(folder);
        store.probe();
        try (var files = Files.walk(folder)) {
            assertThat(files.filter(Files::isRegularFile)).as("the probe's file is removed").isEmpty();
        }

        org.springframework.util.FileSystemUtils.deleteRecursively(folder);
        Files.writeString(folder, "not a folder");
        assertThatThrownBy(store::probe).isInstanceOf(BlobStoreUnavailableException.class).hasMessageContaining(folder.toString());

        Files.delete(folder);
        store.probe(); // the folders are made again, as a put would
        assertThat(Files.isDirectory(folder.resolve("incoming"))).isTrue();
    }

    @Test
    void listsTheBlobsLastWrittenBeforeTheCutoffAndNothingElse() throws Exception {
        BlobStore store = new FilesystemBlobStore(root);
        Instant now = Instant.now();
        String old = store.put(new byte[] {1});
        String older = store.put(new byte[] {2});
        String young = store.put(new byte[] {3});
        age(blob(old), now.minus(Duration.ofHours(2)));
        age(blob(older), now.minus(Duration.ofDays(30)));
        // old files that are not blobs: a key-named file outside its folder, in a foreign folder, a partial upload
        String stray = "f".repeat(64);
        Path misplaced = Files.writeString(Files.createDirectories(root.resolve("ab").resolve("cd")).resolve(stray), "x");
        Path foreign = Files.writeString(Files.createDirectories(root.resolve("lost+found")).resolve(stray), "x");
        Path part = Files.writeString(root.resolve("incoming").resolve(stray.substring(0, 8) + ".part"), "x");
        for (Path file : List.of(misplaced, foreign, part)) {
            age(file, now.minus(Duration.ofDays(30)));
        }

        assertThat(store.keysOlderThan(now.minus(Duration.ofHours(1)))).containsExactlyInAnyOrder(old, older);
        assertThat(store.keysOlderThan(now.minus(Duration.ofDays(1)))).containsExactly(older);
        assertThat(store.keysOlderThan(now.plusSeconds(60))).containsExactlyInAnyOrder(old, older, young);
    }

    @Test
    void listsThroughARootThatIsASymbolicLink() throws Exception {
        Path volume = Files.createDirectories(root.resolve("volume"));
        BlobStore store = new FilesystemBlobStore(Files.createSymbolicLink(root.resolve("blobs"), volume));
        String key = store.put(new byte[] {7});
        age(volume.resolve(key.substring(0, 2)).resolve(key.substring(2, 4)).resolve(key), Instant.now().minus(Duration.ofHours(2)));

        assertThat(store.keysOlderThan(Instant.now().minus(Duration.ofHours(1)))).containsExactly(key);
    }

    @Test
    void removesOnlyPartialUploadsOlderThanTheCutoff() throws Exception {
        BlobStore store = new FilesystemBlobStore(root);
        Instant now = Instant.now();
        Path incoming = root.resolve("incoming");
        Path abandoned = Files.writeString(incoming.resolve("0123abcd4567.part"), "killed mid-put");
        Path writing = Files.writeString(incoming.resolve("89abcdef0123.part"), "a put in progress");
        Path other = Files.writeString(incoming.resolve("notes.txt"), "not a partial upload");
        age(abandoned, now.minus(Duration.ofHours(2)));
        age(other, now.minus(Duration.ofHours(2)));
        String blob = store.put(new byte[] {4});
        age(blob(blob), now.minus(Duration.ofHours(2)));

        assertThat(store.deletePartialUploads(now.minus(Duration.ofHours(1)))).isEqualTo(1);

        assertThat(abandoned).doesNotExist();
        assertThat(writing).exists();
        assertThat(other).exists();
        assertThat(store.exists(blob)).isTrue();
        assertThat(store.deletePartialUploads(now.minus(Duration.ofHours(1)))).isZero();
    }

    @Test
    void aPutOfStoredBytesMakesThemYoungAgain() throws Exception {
        BlobStore store = new FilesystemBlobStore(root);
        Instant cutoff = Instant.now().minus(Duration.ofHours(1));
        String key = store.put(new byte[] {5, 6});
        age(blob(key), cutoff.minus(Duration.ofHours(1)));
        assertThat(store.keysOlderThan(cutoff)).containsExactly(key);

        Instant beforePut = Instant.now().minusSeconds(2); // file systems may keep coarser times than the clock
        assertThat(store.put(new byte[] {5, 6})).isEqualTo(key);

        assertThat(Files.getLastModifiedTime(blob(key)).toInstant()).isAfter(beforePut);
        assertThat(store.keysOlderThan(cutoff)).isEmpty();
    }

    private Path blob(String key) {
        return root.resolve(key.substring(0, 2)).resolve(key.substring(2, 4)).resolve(key);
    }

    private static void age(Path file, Instant lastModified) throws java.io.IOException {
        Files.setLastModifiedTime(file, FileTime.from(lastModified));
    }
}
