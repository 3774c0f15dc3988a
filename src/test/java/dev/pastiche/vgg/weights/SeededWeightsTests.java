package dev.pastiche.vgg.weights;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.pastiche.vgg.VggFeatures;
import dev.pastiche.vgg.VggVariant;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@link ReferenceWeights#seeded} against the values make_engine_fixtures.py loaded into torchvision's VGG19. */
class SeededWeightsTests {

    private static final Map<String, Shape> VGG19 = VggFeatures.full(VggVariant.VGG19).torchvisionShapes();

    @TempDir
    Path dir;

    private static JsonNode weights() throws IOException {
        try (InputStream in = SeededWeightsTests.class.getResourceAsStream("/reference/engine.json")) {
            return JsonMapper.shared().readTree(in).get("weights");
        }
    }

    @Test
    void splitmix64MatchesVignasFirstOutputFromSeedZero() {
        assertThat(ReferenceWeights.splitmix64(0L)).isEqualTo(0xE220A8397B1DCDAFL);
    }

    @Test
    void seededValuesEqualTorchsBitForBit() throws IOException {
        JsonNode weights = weights();
        long seed = weights.get("seed").asLong();
        assertThat(seed).isEqualTo(7L);
        assertThat(weights.get("samples").propertyNames())
                .containsExactlyInAnyOrder("features.0.weight", "features.0.bias", "features.21.weight", "features.28.weight");
        for (Map.Entry<String, JsonNode> tensor : weights.get("samples").properties()) {
            String key = tensor.getKey();
            Shape shape = VGG19.get(key);
            float[] values = ReferenceWeights.seeded(key, shape, seed);
            assertThat(tensor.getValue().size()).as(key).isGreaterThanOrEqualTo(8);
            // the last element too, so a wrong length or a truncated stream shows
            assertThat(tensor.getValue().get(tensor.getValue().size() - 1).get(0).asLong()).as(key).isEqualTo(shape.size() - 1);
            for (JsonNode sample : tensor.getValue()) {
                int index = sample.get(0).asInt();
                assertThat(values[index]).as("%s[%d]", key, index).isEqualTo((float) sample.get(1).asDouble());
            }
        }
    }

    @Test
    void writeSeededIsReadBackUnchanged() throws IOException {
        Map<String, Shape> shapes = new VggFeatures(VggVariant.VGG19, 4).torchvisionShapes();
        Path file = ReferenceWeights.writeSeeded(dir.resolve("seeded.safetensors"), shapes, 7);
        try (NDManager manager = NDManager.newBaseManager()) {
            LoadedWeights loaded = new WeightsLoader(ReferenceWeights.file(file)).load(shapes, manager);
            shapes.forEach((key, shape) -> assertThat(loaded.tensors().get(key).toFloatArray()).as(key)
                    .containsExactly(ReferenceWeights.seeded(key, shape, 7)));
        }
    }
}
