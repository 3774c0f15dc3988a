package dev.pastiche.vgg.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.sun.net.httpserver.HttpServer;
import dev.pastiche.vgg.VggFeatures;
import dev.pastiche.vgg.VggVariant;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WeightsLoaderTests {

    /** The first two blocks of VGG11_BN: convolutions and batch norms, small enough to write fast. */
    private static final Map<String, Shape> REQUIRED = new VggFeatures(VggVariant.VGG11_BN, 6).torchvisionShapes();
    /** A port nothing listens on: connections are refused at once. */
    private static final URI UNREACHABLE = URI.create("http://127.0.0.1:9/vgg.safetensors");

    @TempDir
    Path dir;

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void readsExactlyTheRequiredTensorsFromSafetensorsAndReportsTheFileDigest() throws IOException {
        Map<String, Shape> more = new LinkedHashMap<>(new VggFeatures(VggVariant.VGG11_BN, 10).torchvisionShapes());
        Path file = ReferenceWeights.writeFormula(dir.resolve("w.safetensors"), more);
        LoadedWeights loaded = new WeightsLoader(ReferenceWeights.file(file)).load(REQUIRED, manager);
        assertThat(loaded.tensors()).containsOnlyKeys(REQUIRED.keySet());
        REQUIRED.forEach((key, shape) -> {
            assertThat(loaded.tensors().get(key).getShape()).isEqualTo(shape);
            assertThat(loaded.tensors().get(key).toFloatArray()).as(key).containsExactly(ReferenceWeights.formula(key, shape));
        });
        assertThat(loaded.weightsInfo()).isEqualTo(new WeightsInfo("file", true, Sha256.of(file), null));
    }

    @Test
    void readsSafetensorsAndNpzWrittenByDjl() throws IOException {
        for (NDList.Encoding encoding : new NDList.Encoding[] {NDList.Encoding.SAFETENSORS, NDList.Encoding.NPZ}) {
            Path file = dir.resolve("djl." + encoding.name().toLowerCase());
            try (NDManager writer = NDManager.newBaseManager(); OutputStream out = Files.newOutputStream(file)) {
                NDList list = new NDList();
                REQUIRED.forEach((key, shape) -> {
                    NDArray array = writer.create(ReferenceWeights.formula(key, shape), shape);
                    array.setName(key);
                    list.add(array);
                });
                list.encode(out, encoding);
            }
            LoadedWeights loaded = new WeightsLoader(ReferenceWeights.file(file)).load(REQUIRED, manager);
            freeUnreachableDirectBuffers();
            REQUIRED.forEach((key, shape) -> assertThat(loaded.tensors().get(key).toFloatArray()).as(encoding + " " + key)
                    .containsExactly(ReferenceWeights.formula(key, shape)));
        }
    }

    /**
     * Lets the JVM free the direct buffers the file's decoder made, and malloc hand their memory out
     * again: a loaded tensor still pointing into one (DJL's {@code toType} aliases, it does not copy)
     * then reads garbage, as it did for npz weights.
     */
    private static void freeUnreachableDirectBuffers() {
        List<ByteBuffer> reuse = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            System.gc();
            try {
                Thread.sleep(20); // the Cleaner thread frees them after the collection
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            for (int size = 16; size <= 1 << 16; size <<= 1) {
                reuse.add(ByteBuffer.allocateDirect(size).put(0, (byte) 0x7f));
            }
        }
    }

    @Test
    void aMissingKeyFailsNamingIt() throws IOException {
        Map<String, Shape> fewer = new LinkedHashMap<>(REQUIRED);
        fewer.remove("features.5.running_var");
        Path file = ReferenceWeights.writeFormula(dir.resolve("w.safetensors"), fewer);
        assertThatThrownBy(() -> new WeightsLoader(ReferenceWeights.file(file)).load(REQUIRED, manager))
                .isInstanceOf(WeightsException.class).hasMessageContaining("'features.5.running_var'").hasMessageContaining("torchvision key names");
    }

    @Test
    void aWrongShapeFailsNamingTheKeyAndBothShapes() throws IOException {
        Map<String, Shape> wrong = new LinkedHashMap<>(REQUIRED);
        wrong.put("features.0.weight", new Shape(64, 3, 5, 5));
        Path file = ReferenceWeights.writeFormula(dir.resolve("w.safetensors"), wrong);
        assertThatThrownBy(() -> new WeightsLoader(ReferenceWeights.file(file)).load(REQUIRED, manager))
                .isInstanceOf(WeightsException.class)
                .hasMessageContaining("'features.0.weight'").hasMessageContaining("(64, 3, 5, 5)").hasMessageContaining("(64, 3, 3, 3)");
    }

    @Test
    void aMatchingChecksumIsKnownAtOnceAndAnUncheckedOneArrivesLater() throws IOException {
        Path file = ReferenceWeights.writeFormula(dir.resolve("w.safetensors"), REQUIRED);
        String digest = Sha256.of(file);
        WeightsProperties checked = new WeightsProperties(WeightsSource.FILE, false, file, UNREACHABLE, digest.toUpperCase(), dir, 0,
                Duration.ofSeconds(1));
        LoadedWeights verified = new WeightsLoader(checked).load(REQUIRED, manager);
        // checked before use, so nothing is left to wait for
        assertThat(verified.digest().isDone()).isTrue();
        assertThat(verified.weightsInfo()).isEqualTo(new WeightsInfo("file", true, digest, null));
        // not checked: the digest is only reported, so it waits until start-up is over or someone asks
        LoadedWeights reported = new WeightsLoader(ReferenceWeights.file(file)).load(REQUIRED, manager);
        assertThat(reported.digest().source()).isEqualTo("file");
        assertThat(reported.digest().pretrained()).isTrue();
        assertThat(reported.digest().isDone()).isFalse();
        assertThat(reported.weightsInfo()).isEqualTo(new WeightsInfo("file", true, digest, null));
    }

    @Test
    void aChecksumMismatchIsRefused() throws IOException {
        Path file = ReferenceWeights.writeFormula(dir.resolve("w.safetensors"), REQUIRED);
        WeightsProperties properties = new WeightsProperties(WeightsSource.FILE, false, file, UNREACHABLE, "00".repeat(32), dir, 0, Duration.ofSeconds(1));
        assertThatThrownBy(() -> new WeightsLoader(properties).load(REQUIRED, manager))
                .isInstanceOf(WeightsException.class).hasMessageContaining("SHA-256").hasMessageContaining(Sha256.of(file));
    }

    @Test
    void aFileThatIsNotWeightsFailsClearly() throws IOException {
        Path file = Files.writeString(dir.resolve("notes.safetensors"), "these are not weights");
        assertThatThrownBy(() -> new WeightsLoader(ReferenceWeights.file(file)).load(REQUIRED, manager))
                .isInstanceOf(WeightsException.class).hasMessageContaining("not a safetensors file");
        assertThatThrownBy(() -> new WeightsLoader(ReferenceWeights.file(dir.resolve("absent.safetensors"))).load(REQUIRED, manager))
                .isInstanceOf(WeightsException.class).hasMessageContaining("does not exist");
    }

    @Test
    void randomWeightsAreReproducibleBySeedAndSayTheyAreUntrained() {
        WeightsProperties seed7 = new WeightsProperties(WeightsSource.RANDOM, false, null, UNREACHABLE, null, dir, 7, Duration.ofSeconds(1));
        WeightsProperties seed8 = new WeightsProperties(WeightsSource.RANDOM, false, null, UNREACHABLE, null, dir, 8, Duration.ofSeconds(1));
        LoadedWeights a = new WeightsLoader(seed7).load(REQUIRED, manager);
        LoadedWeights b = new WeightsLoader(seed7).load(REQUIRED, manager);
        LoadedWeights c = new WeightsLoader(seed8).load(REQUIRED, manager);
        assertThat(a.weightsInfo()).isEqualTo(new WeightsInfo("random", false, null, 7L));
        assertThat(a.tensors().get("features.0.weight").toFloatArray()).containsExactly(b.tensors().get("features.0.weight").toFloatArray());
        assertThat(a.tensors().get("features.0.weight").toFloatArray()).isNotEqualTo(c.tensors().get("features.0.weight").toFloatArray());
        // He-normal: std √(2/27) for the first convolution
        assertThat(a.tensors().get("features.0.weight").pow(2).mean().getFloat()).isBetween(0.05f, 0.1f);
        assertThat(a.tensors().get("features.1.running_var").toFloatArray()).containsOnly(1f);
    }

    @Test
    void autoFallsBackToRandomWhenNothingCanBeHadButNotWhenPretrainedIsRequired() {
        WeightsProperties auto = ReferenceWeights.properties(WeightsSource.AUTO, null, false, dir, UNREACHABLE);
        assertThat(new WeightsLoader(auto).load(REQUIRED, manager).digest().pretrained()).isFalse();

        WeightsProperties required = ReferenceWeights.properties(WeightsSource.AUTO, null, true, dir, UNREACHABLE);
        assertThatThrownBy(() -> new WeightsLoader(required).load(REQUIRED, manager))
                .isInstanceOf(WeightsUnavailableException.class)
                .hasMessageContaining("pastiche.weights.path").hasMessageContaining("require-pretrained");
        WeightsProperties randomRequired = ReferenceWeights.properties(WeightsSource.RANDOM, null, true, dir, UNREACHABLE);
        assertThatThrownBy(() -> new WeightsLoader(randomRequired).load(REQUIRED, manager)).isInstanceOf(WeightsUnavailableException.class);
    }

    @Test
    void autoDownloadsOnceIntoTheCacheThenUsesTheCachedFile() throws IOException {
        Path served = ReferenceWeights.writeFormula(dir.resolve("served.safetensors"), REQUIRED);
        AtomicInteger requests = new AtomicInteger();
        HttpServer server = serve(served, requests);
        try {
            URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/models/vgg.safetensors");
            Path cache = dir.resolve("cache");
            WeightsProperties auto = ReferenceWeights.properties(WeightsSource.AUTO, null, true, cache, url);
            LoadedWeights first = new WeightsLoader(auto).load(REQUIRED, manager);
            LoadedWeights second = new WeightsLoader(auto).load(REQUIRED, manager);
            assertThat(requests).hasValue(1);
            assertThat(first.weightsInfo()).isEqualTo(new WeightsInfo("download", true, Sha256.of(served), null));
            assertThat(second.weightsInfo()).isEqualTo(first.weightsInfo());
            assertThat(first.tensors().get("features.0.weight").toFloatArray())
                    .containsExactly(ReferenceWeights.formula("features.0.weight", REQUIRED.get("features.0.weight")));
            try (var files = Files.list(cache)) {
                assertThat(files.map(p -> p.getFileName().toString())).singleElement().asString().endsWith("-vgg.safetensors");
            }
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aDownloadWithTheWrongChecksumLeavesNothingInTheCache() throws IOException {
        Path served = ReferenceWeights.writeFormula(dir.resolve("served.safetensors"), REQUIRED);
        HttpServer server = serve(served, new AtomicInteger());
        try {
            URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/vgg.safetensors");
            Path cache = dir.resolve("cache");
            WeightsProperties download = new WeightsProperties(WeightsSource.DOWNLOAD, false, null, url, "ab".repeat(32), cache, 0, Duration.ofSeconds(2));
            assertThatThrownBy(() -> new WeightsLoader(download).load(REQUIRED, manager))
                    .isInstanceOf(WeightsException.class).hasMessageContaining("SHA-256");
            try (var files = Files.list(cache)) {
                assertThat(files).isEmpty();
            }
        } finally {
            server.stop(0);
        }
    }

    @Test
    void theDigestHuggingFaceAnnouncesOnItsRedirectIsChecked() throws Exception {
        Path served = ReferenceWeights.writeFormula(dir.resolve("served.safetensors"), REQUIRED);
        for (boolean honest : new boolean[] {true, false}) {
            String announced = honest ? Sha256.of(served) : "cd".repeat(32);
            HttpServer server = serveLikeHuggingFace(served, announced);
            Path cache = dir.resolve("cache-" + honest);
            try {
                URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/resolve/main/model.safetensors");
                if (honest) {
                    Path fetched = WeightsLoader.fetch(url, cache, Duration.ofSeconds(2), null, null);
                    assertThat(Sha256.of(fetched)).isEqualTo(announced);
                } else {
                    assertThatThrownBy(() -> WeightsLoader.fetch(url, cache, Duration.ofSeconds(2), null, null))
                            .isInstanceOf(IOException.class).hasMessageContaining("server announced " + announced);
                    try (var files = Files.list(cache)) {
                        assertThat(files).as("nothing half-checked is kept").isEmpty();
                    }
                }
            } finally {
                server.stop(0);
            }
        }
    }

    @Test
    void aPublishedMd5IsCheckedWhereOnlyAnMd5IsPublished() throws Exception {
        Path served = ReferenceWeights.writeFormula(dir.resolve("served.safetensors"), REQUIRED);
        String md5 = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5").digest(Files.readAllBytes(served)));
        HttpServer server = serve(served, new AtomicInteger());
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            assertThatThrownBy(() -> WeightsLoader.fetch(URI.create(base + "/a/vgg.pth"), dir.resolve("a"), Duration.ofSeconds(2), null,
                    "0".repeat(32))).isInstanceOf(WeightsException.class).hasMessageContaining("MD5 " + md5);
            assertThat(WeightsLoader.fetch(URI.create(base + "/b/vgg.pth"), dir.resolve("b"), Duration.ofSeconds(2), null, md5))
                    .isRegularFile();
        } finally {
            server.stop(0);
        }
    }

    /** Hugging Face's resolve answer: a redirect carrying the file's SHA-256, then the file from elsewhere. */
    private static HttpServer serveLikeHuggingFace(Path file, String announcedSha256) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/resolve/", exchange -> {
            exchange.getResponseHeaders().add("Location", "/cdn/model.safetensors");
            exchange.getResponseHeaders().add("X-Linked-Etag", "\"" + announcedSha256 + "\"");
            exchange.sendResponseHeaders(302, -1);
            exchange.close();
        });
        server.createContext("/cdn/", exchange -> {
            byte[] body = Files.readAllBytes(file);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return server;
    }

    private static HttpServer serve(Path file, AtomicInteger requests) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            byte[] body = Files.readAllBytes(file);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return server;
    }
}
