package dev.pastiche.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
}
