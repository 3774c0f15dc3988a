package dev.pastiche.perception;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.pastiche.image.ImageDecoder;
import dev.pastiche.image.ImageProperties;
import dev.pastiche.image.RgbImage;
import dev.pastiche.vgg.VggFeatures;
import dev.pastiche.vgg.VggVariant;
import dev.pastiche.vgg.weights.ReferenceWeights;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Agreement with the reference implementation: torchvision's VGG run by PyTorch on the same
 * formula weights and images (fixtures from scripts/reference/make_fixtures.py). Taps and all three
 * distances must agree to a relative 1e-4.
 */
class ReferenceAgreementTests {

    private static final double RELATIVE = 1e-4;
    private static final List<String> STYLE = List.of("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1");

    @TempDir
    static Path dir;

    static Stream<Arguments> cases() throws IOException {
        JsonNode root;
        try (InputStream in = ReferenceAgreementTests.class.getResourceAsStream("/reference/expected.json")) {
            root = JsonMapper.shared().readTree(in);
        }
        return root.get("cases").valueStream().map(c -> Arguments.of(c.get("variant").asString(), c));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void tapsAndDistancesAgreeWithPyTorch(String variantId, JsonNode expected) throws IOException {
        VggVariant variant = VggVariant.of(variantId);
        List<String> taps = variant.tapNames();
        Map<String, ai.djl.ndarray.types.Shape> shapes = VggFeatures.upTo(variant, taps.get(taps.size() - 1)).torchvisionShapes();
        Path weights = ReferenceWeights.writeFormula(dir.resolve(variantId + ".safetensors"), shapes);
        ImageDecoder decoder = new ImageDecoder(new ImageProperties(1 << 20));
        RgbImage reference = decoder.decode(resource("reference.png"), "reference");
        RgbImage candidate = decoder.decode(resource("candidate.png"), "candidate");

        ModelProperties modelProperties = new ModelProperties(variant, "block4_conv2", STYLE, 1);
        try (PerceptionModel model = new PerceptionModel(modelProperties, ReferenceWeights.file(weights), new SimpleMeterRegistry())) {
            assertThat(model.info().weights().pretrained()).isTrue();
            FeatureExtractor extractor = model.extractor();
            try (NDManager scope = extractor.newScope()) {
                Map<String, NDArray> out = extractor.taps(ImageTensors.batch(scope, reference), expected.get("taps").propertyNames());
                for (Map.Entry<String, JsonNode> tap : expected.get("taps").properties()) {
                    NDArray actual = out.get(tap.getKey()).get(0);
                    JsonNode want = tap.getValue();
                    assertThat(actual.getShape().getShape()).as(tap.getKey())
                            .containsExactly(want.get("shape").valueStream().mapToLong(JsonNode::asLong).toArray());
                    float[] values = actual.toFloatArray();
                    double sum = 0;
                    double squares = 0;
                    double max = 0;
                    for (float v : values) {
                        sum += v;
                        squares += (double) v * v;
                        max = Math.max(max, Math.abs(v));
                    }
                    assertRelative(tap.getKey() + " sum", sum, want.get("sum").asDouble());
                    assertRelative(tap.getKey() + " sum of squares", squares, want.get("sumSquares").asDouble());
                    for (JsonNode sample : want.get("samples")) {
                        assertThat((double) values[sample.get(0).asInt()]).as(tap.getKey() + "[" + sample.get(0).asInt() + "]")
                                .isCloseTo(sample.get(1).asDouble(), within(RELATIVE * max));
                    }
                }
            }

            Distance distance = new PerceptualScorer(model, modelProperties, new SimpleMeterRegistry())
                    .distance(reference, candidate, EnumSet.copyOf(Metric.DEFAULT));
            JsonNode want = expected.get("distance");
            assertRelative("content", distance.content(), want.get("content").asDouble());
            assertRelative("style", distance.style(), want.get("style").asDouble());
            assertRelative("features", distance.features(), want.get("features").asDouble());
            for (Map.Entry<String, JsonNode> layer : want.get("layers").properties()) {
                Distance.LayerDistance actual = distance.layers().get(layer.getKey());
                for (Map.Entry<String, JsonNode> metric : layer.getValue().properties()) {
                    Double value = switch (metric.getKey()) {
                        case "content" -> actual.content();
                        case "style" -> actual.style();
                        default -> actual.features();
                    };
                    assertRelative(layer.getKey() + " " + metric.getKey(), value, metric.getValue().asDouble());
                }
            }
        }
    }

    private static void assertRelative(String what, double actual, double expected) {
        assertThat(actual).as(what).isCloseTo(expected, within(RELATIVE * Math.abs(expected)));
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = ReferenceAgreementTests.class.getResourceAsStream("/reference/" + name)) {
            return in.readAllBytes();
        }
    }
}
