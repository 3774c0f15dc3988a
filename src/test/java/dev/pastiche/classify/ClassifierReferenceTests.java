package dev.pastiche.classify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.types.Shape;
import dev.pastiche.image.ImageDecoder;
import dev.pastiche.image.ImageProperties;
import dev.pastiche.image.RgbImage;
import dev.pastiche.perception.ModelProperties;
import dev.pastiche.perception.ModelUnavailableException;
import dev.pastiche.perception.PerceptionModel;
import dev.pastiche.perception.PerceptualScorer;
import dev.pastiche.vgg.VggFeatures;
import dev.pastiche.vgg.VggVariant;
import dev.pastiche.vgg.weights.ClassifierWeights;
import dev.pastiche.vgg.weights.ReferenceWeights;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The whole VGG19 against torchvision's (fixture from scripts/reference/make_classifier_fixtures.py:
 * seeded weights for every layer, the classifier's included): the evaluation transform, fc7 and the
 * top-5 classes with their probabilities, from a file with torchvision's key names and from the same
 * weights under timm's names and shapes (the default download's layout), and a file with the
 * convolutions only, which leaves classification unavailable and saying why.
 */
class ClassifierReferenceTests {

    /** The bound, for the 256² image, which the transform only crops. */
    private static final double PROBABILITY = 1e-4;
    /**
     * For the resized image: PyTorch's float32 interpolation lies up to 9e-4 of a level from the exact
     * weights computed here, so about 10 of its 150,528 values round to the other 8-bit level, which
     * moved the top probability by 1.3e-4.
     */
    private static final double RESIZED_PROBABILITY = 3e-4;
    private static final long SEED = 7;

    @TempDir
    static Path dir;

    static JsonNode expected;
    static ImageDecoder decoder = new ImageDecoder(new ImageProperties(1 << 20));

    @BeforeAll
    static void fixture() throws IOException {
        try (InputStream in = ClassifierReferenceTests.class.getResourceAsStream("/reference/classifier.json")) {
            expected = JsonMapper.shared().readTree(in);
        }
        assertThat(expected.get("seed").asLong()).isEqualTo(SEED);
        assertThat(expected.get("logitGain").asDouble()).isEqualTo(ReferenceWeights.LOGIT_GAIN);
    }

    @Test
    void torchvisionKeysGiveTorchvisionsTop5() throws IOException {
        Map<String, Shape> shapes = new LinkedHashMap<>(features());
        shapes.putAll(ClassifierWeights.SHAPES);
        Path file = ReferenceWeights.writeSafetensors(dir.resolve("vgg19-torchvision.safetensors"), shapes,
                (key, from, into) -> ReferenceWeights.seeded(key, shapes.get(key), SEED, from, into));
        try {
            agreesWithTorchvision(file, "torchvision");
        } finally {
            Files.delete(file);
        }
    }

    @Test
    void timmKeysAndShapesGiveTheSameTop5() throws IOException {
        Map<String, Shape> shapes = new LinkedHashMap<>(features());
        Map<String, String> torchvisionKey = new HashMap<>();
        for (Map.Entry<String, Shape> e : ClassifierWeights.SHAPES.entrySet()) {
            String timm = ClassifierWeights.timmKey(e.getKey());
            shapes.put(timm, ClassifierWeights.timmShape(timm));
            torchvisionKey.put(timm, e.getKey());
        }
        assertThat(shapes.get("pre_logits.fc1.weight")).isEqualTo(new Shape(4096, 512, 7, 7));
        Path file = ReferenceWeights.writeSafetensors(dir.resolve("vgg19-timm.safetensors"), shapes, (key, from, into) -> {
            String tv = torchvisionKey.getOrDefault(key, key);
            // the same values in the same order: a C×7×7 kernel flattened is the linear layer's row
            ReferenceWeights.seeded(tv, ClassifierWeights.SHAPES.getOrDefault(tv, shapes.get(key)), SEED, from, into);
        });
        try {
            agreesWithTorchvision(file, "timm");
        } finally {
            Files.delete(file);
        }
    }

    @Test
    void convolutionsAloneLeaveClassificationUnavailable() throws IOException {
        Map<String, Shape> shapes = features();
        Path file = ReferenceWeights.writeSafetensors(dir.resolve("vgg19-features.safetensors"), shapes,
                (key, from, into) -> ReferenceWeights.seeded(key, shapes.get(key), SEED, from, into));
        ModelProperties properties = properties();
        try (PerceptionModel model = new PerceptionModel(properties, ReferenceWeights.file(file), new SimpleMeterRegistry());
                PerceptualScorer scorer = new PerceptualScorer(model, properties, new SimpleMeterRegistry());
                ImageNetClassifier classifier = new ImageNetClassifier(model, scorer, new SimpleMeterRegistry())) {
            assertThat(classifier.status().state()).isEqualTo("not-loaded");
            assertThatThrownBy(() -> classifier.classify(image("classifier-256.png"), 5)).isInstanceOf(ModelUnavailableException.class)
                    .hasMessageContaining("holds no classifier").hasMessageContaining("torchvision");
            assertThat(classifier.status().state()).isEqualTo("unavailable");
            // the extractor is unaffected
            assertThat(model.ready()).isTrue();
        }
    }

    private void agreesWithTorchvision(Path file, String keys) throws IOException {
        ModelProperties properties = properties();
        try (PerceptionModel model = new PerceptionModel(properties, ReferenceWeights.file(file), new SimpleMeterRegistry());
                PerceptualScorer scorer = new PerceptualScorer(model, properties, new SimpleMeterRegistry());
                ImageNetClassifier classifier = new ImageNetClassifier(model, scorer, new SimpleMeterRegistry())) {
            int liveBefore = model.extractor().liveArrays();
            for (JsonNode c : expected.get("cases")) {
                String name = c.get("image").asString();
                RgbImage crop = EvalTransform.apply(image(name));
                long sum = 0;
                for (int p : crop.pixels()) {
                    sum += ((p >> 16) & 0xff) + ((p >> 8) & 0xff) + (p & 0xff);
                }
                // float rounding may put a value at an exact half on the other side, here or in PyTorch: a few ±1 at most
                assertThat(sum).as(name + ": the 224² crop's sum of 8-bit values").isCloseTo(c.get("cropSum").asLong(), within(16L));

                Classification result = classifier.classify(image(name), 5);
                assertThat(result.classifier().keys()).isEqualTo(keys);
                assertThat(result.classifier().pretrained()).isTrue();
                List<JsonNode> top = c.get("top").valueStream().toList();
                double tolerance = name.equals("classifier-256.png") ? PROBABILITY : RESIZED_PROBABILITY;
                assertThat(result.predictions()).hasSize(5);
                for (int i = 0; i < 5; i++) {
                    Classification.Prediction p = result.predictions().get(i);
                    assertThat(p.index()).as(name + " rank " + (i + 1)).isEqualTo(top.get(i).get("index").asInt());
                    assertThat(p.probability()).as(name + " rank " + (i + 1)).isCloseTo(top.get(i).get("probability").asDouble(), within(tolerance));
                    assertThat(p.label()).isEqualTo(ImageNetClasses.of(p.index()).label());
                }

                if (tolerance != PROBABILITY) {
                    // fc7 of the resized image carries the rounding's difference too; the exact crop checks it
                    continue;
                }
                float[] fc7 = classifier.fc7(List.of(crop))[0];
                double total = 0;
                double squares = 0;
                for (float v : fc7) {
                    total += v;
                    squares += (double) v * v;
                }
                JsonNode want = c.get("fc7");
                assertThat(total).as(name + " fc7 sum").isCloseTo(want.get("sum").asDouble(), within(1e-4 * Math.abs(want.get("sum").asDouble())));
                assertThat(squares).as(name + " fc7 sum of squares")
                        .isCloseTo(want.get("sumSquares").asDouble(), within(1e-4 * want.get("sumSquares").asDouble()));
                for (JsonNode sample : want.get("samples")) {
                    assertThat((double) fc7[sample.get(0).asInt()]).as(name + " fc7[" + sample.get(0).asInt() + "]")
                            .isCloseTo(sample.get(1).asDouble(), within(1e-4 * Math.sqrt(squares / fc7.length) + 1e-6));
                }
            }
            assertThat(model.extractor().liveArrays()).as("arrays left behind by classifications").isEqualTo(liveBefore);
        }
    }

    private static ModelProperties properties() {
        return new ModelProperties(VggVariant.VGG19, "block4_conv2",
                List.of("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1"), 1);
    }

    private static Map<String, Shape> features() {
        return VggFeatures.full(VggVariant.VGG19).torchvisionShapes();
    }

    private static RgbImage image(String name) throws IOException {
        try (InputStream in = ClassifierReferenceTests.class.getResourceAsStream("/reference/" + name)) {
            return decoder.decode(in.readAllBytes(), name);
        }
    }
}
