package dev.pastiche.perception;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.pastiche.image.ImageDecoder;
import dev.pastiche.image.ImageProperties;
import dev.pastiche.image.RgbImage;
import dev.pastiche.vgg.VggFeatures;
import dev.pastiche.vgg.VggVariant;
import dev.pastiche.vgg.weights.ReferenceWeights;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * LPIPS v0.1 against PyTorch (scripts/reference/make_lpips_fixtures.py): the published formula on
 * VGG16 with seeded He-uniform weights, which this test writes as a torchvision-keyed file, and
 * seeded non-negative linear layers from the lpips package's key names, each tap a real share of
 * the total. Agreement within 1e-4 relative, per tap and in the spatial map; identical images 0.
 */
class LpipsReferenceTests {

    private static final double RELATIVE = 1e-4;

    @TempDir
    static Path dir;

    private static JsonNode expected;
    private static PerceptionModel model;
    private static Lpips lpips;
    private static PerceptualScorer scorer;

    @BeforeAll
    static void load() throws IOException {
        try (InputStream in = LpipsReferenceTests.class.getResourceAsStream("/reference/lpips.json")) {
            expected = JsonMapper.shared().readTree(in);
        }
        Path backbone = ReferenceWeights.writeSeeded(dir.resolve("vgg16-seeded.safetensors"),
                VggFeatures.upTo(VggVariant.VGG16, "block5_conv3").torchvisionShapes(), expected.get("weights").get("seed").asLong());
        Path linear = dir.resolve("lpips-lin.npz");
        try (InputStream in = LpipsReferenceTests.class.getResourceAsStream("/reference/lpips-lin.npz")) {
            Files.copy(in, linear);
        }
        ModelProperties properties = new ModelProperties(VggVariant.VGG19, "block4_conv2",
                java.util.List.of("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1"), 1);
        model = new PerceptionModel(properties, ReferenceWeights.properties(dev.pastiche.vgg.weights.WeightsSource.RANDOM, null, false,
                dir, null), new SimpleMeterRegistry());
        lpips = new Lpips(LpipsProperties.files(backbone, linear));
        scorer = new PerceptualScorer(model, lpips, properties, new SimpleMeterRegistry());
    }

    @AfterAll
    static void close() {
        scorer.close();
        lpips.close();
        model.close();
    }

    @Test
    void theSeededBackboneIsTorchs() {
        assertThat(lpips.available()).as(lpips.unavailableReason()).isTrue();
        assertThat(lpips.weights().get(0).pretrained()).isTrue();
    }

    @Test
    void lpipsAgreesWithTheTorchReferencePerTap() {
        for (String name : new String[] {"reference-candidate", "non-square"}) {
            JsonNode want = expected.get("cases").get(name);
            Distance d = scorer.distance(image(want.get("images").get(0).asString()), image(want.get("images").get(1).asString()),
                    EnumSet.of(Metric.LPIPS));

            assertThat(d.lpips()).as("%s total", name).isCloseTo(want.get("total").asDouble(), within(RELATIVE * want.get("total").asDouble()));
            for (Map.Entry<String, JsonNode> layer : want.get("layers").properties()) {
                assertThat(d.lpipsLayers().get(layer.getKey())).as("%s %s", name, layer.getKey())
                        .isCloseTo(layer.getValue().asDouble(), within(RELATIVE * layer.getValue().asDouble()));
            }
            assertThat(d.content()).as("only what was asked for").isNull();
        }
    }

    @Test
    void theSpatialMapIsTorchsUpsampledSumAndItsMeanTheTotal() {
        JsonNode want = expected.get("cases").get("non-square");
        JsonNode map = want.get("spatial").get("map");

        float[] actual = scorer.map(image("lpips-a.png"), image("lpips-b.png"), Metric.LPIPS);

        assertThat(actual).hasSize(map.size());
        double max = 0;
        double sum = 0;
        for (int i = 0; i < actual.length; i++) {
            max = Math.max(max, map.get(i).asDouble());
            sum += actual[i];
        }
        for (int i = 0; i < actual.length; i++) {
            assertThat((double) actual[i]).as("map[%d]", i).isCloseTo(map.get(i).asDouble(), within(RELATIVE * max));
        }
        assertThat(sum / actual.length).isCloseTo(want.get("total").asDouble(), within(1e-4 * want.get("total").asDouble()));
    }

    @Test
    void identicalImagesAreExactlyZero() {
        RgbImage reference = image("reference.png");

        assertThat(scorer.distance(reference, reference, EnumSet.of(Metric.LPIPS)).lpips()).isZero();
    }

    @Test
    void aMatrixOfLpipsIsThePairwiseLpips() {
        RgbImage a = image("lpips-a.png");
        RgbImage b = image("lpips-b.png");

        Map<Metric, double[][]> matrix = scorer.matrix(java.util.List.of(), java.util.List.of(a, b), Set.of(Metric.LPIPS));

        double pairwise = scorer.distance(a, b, EnumSet.of(Metric.LPIPS)).lpips();
        assertThat(matrix.get(Metric.LPIPS)[0][1]).isCloseTo(pairwise, within(1e-6 * pairwise));
        assertThat(matrix.get(Metric.LPIPS)[1][1]).isZero();
    }

    @Test
    void autoDownloadsBothFilesChecksThemAndReadsTheLpipsPackagesOwnPth() throws Exception {
        // the linear layers as the lpips package ships them (a legacy torch.save file), the backbone as timm does
        byte[] pth;
        try (InputStream in = LpipsReferenceTests.class.getResourceAsStream("/torch/lpips-lin-legacy.pth")) {
            pth = in.readAllBytes();
        }
        byte[] backbone = Files.readAllBytes(dir.resolve("vgg16-seeded.safetensors"));
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/vgg16.safetensors", exchange -> send(exchange, backbone));
        server.createContext("/vgg.pth", exchange -> send(exchange, pth));
        server.start();
        String base = "http://127.0.0.1:" + server.getAddress().getPort();
        String md5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(pth));
        Path cache = dir.resolve("auto-cache");
        LpipsProperties auto = new LpipsProperties(null, null, LpipsProperties.Source.AUTO, URI.create(base + "/vgg16.safetensors"), null,
                URI.create(base + "/vgg.pth"), md5, null);
        LpipsProperties tampered = new LpipsProperties(null, null, LpipsProperties.Source.AUTO, URI.create(base + "/vgg16.safetensors"),
                null, URI.create(base + "/vgg.pth?other"), "0".repeat(32), null);
        var weights = ReferenceWeights.properties(dev.pastiche.vgg.weights.WeightsSource.RANDOM, null, false, cache, null);
        try (Lpips downloaded = new Lpips(auto, weights); Lpips refused = new Lpips(tampered, weights);
                PerceptualScorer scoring = new PerceptualScorer(model, downloaded, new ModelProperties(VggVariant.VGG19, "block4_conv2",
                        java.util.List.of("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1"), 1),
                        new SimpleMeterRegistry())) {
            assertThat(downloaded.available()).as(downloaded.unavailableReason()).isTrue();
            RgbImage a = image("lpips-a.png");
            RgbImage b = image("lpips-b.png");
            assertThat(scoring.distance(a, b, EnumSet.of(Metric.LPIPS)).lpips())
                    .isEqualTo(scorer.distance(a, b, EnumSet.of(Metric.LPIPS)).lpips());

            assertThat(refused.available()).isFalse();
            assertThat(refused.unavailableReason()).contains("pastiche.lpips.weights-path is not set").contains("MD5 " + md5)
                    .contains("pastiche.lpips.backbone-path");
        } finally {
            server.stop(0);
        }
    }

    private static void send(com.sun.net.httpserver.HttpExchange exchange, byte[] body) throws IOException {
        exchange.sendResponseHeaders(200, body.length);
        try (var out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static RgbImage image(String name) {
        try (InputStream in = LpipsReferenceTests.class.getResourceAsStream("/reference/" + name)) {
            return new ImageDecoder(new ImageProperties(1 << 20)).decode(in.readAllBytes(), name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
