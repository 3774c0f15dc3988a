package dev.pastiche.vgg;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The DJL blocks: torchvision parameter names, counts equal to the table, forward shapes. */
class VggBlockTests {

    @ParameterizedTest
    @EnumSource(value = VggVariant.class, names = {"VGG11_BN", "VGG19"})
    void parameterNamesAndCountsMatchTorchvision(VggVariant variant) {
        Vgg vgg = new Vgg(variant);
        vgg.setInitializer(Initializer.ZEROS, p -> true);
        try (NDManager manager = NDManager.newBaseManager()) {
            vgg.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 224, 224));
            Map<String, Parameter> named = vgg.torchvisionParameters();
            assertThat(named).containsKeys("features.0.weight", "features.0.bias", "classifier.0.weight",
                    "classifier.3.bias", "classifier.6.weight");
            assertThat(named.get("classifier.0.weight").getArray().getShape()).isEqualTo(new Shape(4096, 25088));
            assertThat(named.get("features.0.weight").getArray().getShape()).isEqualTo(new Shape(64, 3, 3, 3));
            if (variant.batchNorm()) {
                assertThat(named).containsKeys("features.1.weight", "features.1.bias", "features.1.running_mean", "features.1.running_var");
            }
            // running statistics are buffers, not parameters, in torchvision's count
            long trainable = named.entrySet().stream().filter(e -> !e.getKey().contains("running_"))
                    .mapToLong(e -> e.getValue().getArray().size()).sum();
            assertThat(trainable).isEqualTo(VggArchitecture.of(variant, 224, 224).totals().parameters());
            // and the shapes known before initialisation are the ones DJL initialised
            vgg.features().torchvisionShapes().forEach((key, shape) ->
                    assertThat(named.get(key).getArray().getShape()).as(key).isEqualTo(shape));
        }
    }

    @Test
    void classifierRunsAtAnyInputSizeThroughTheAdaptivePool() {
        Vgg vgg = new Vgg(VggVariant.VGG11);
        try (NDManager manager = NDManager.newBaseManager()) {
            vgg.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 64, 96));
            NDArray out = vgg.forward(new ParameterStore(manager, false), new NDList(manager.randomUniform(0, 1, new Shape(2, 3, 64, 96))), false)
                    .singletonOrThrow();
            assertThat(out.getShape()).isEqualTo(new Shape(2, 1000));
        }
    }

    @Test
    void adaptivePoolAveragesOverlappingCellsLikeTorch() {
        try (NDManager manager = NDManager.newBaseManager()) {
            // 1×1×3×3 → 2×2: torch's cells are rows/cols {0,1} and {1,2}
            NDArray x = manager.arange(9f).reshape(1, 1, 3, 3);
            float[] pooled = Vgg.adaptiveAvgPool(x, 2).toFloatArray();
            assertThat(pooled).containsExactly(2f, 3f, 5f, 6f);
        }
    }

    @Test
    void forwardTapsStopAtTheDeepestTapAndMatchAFullForward() {
        VggFeatures features = VggFeatures.upTo(VggVariant.VGG11, "block3_conv2");
        assertThat(features.depth()).isEqualTo(VggVariant.VGG11.tapIndex("block3_conv2") + 1);
        try (NDManager manager = NDManager.newBaseManager()) {
            features.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 32, 32));
            ParameterStore store = new ParameterStore(manager, false);
            NDArray input = manager.randomUniform(0, 1, new Shape(1, 3, 32, 32));
            Map<String, NDArray> taps = features.forwardTaps(store, input, List.of("block3_conv2", "block1_conv1"));
            assertThat(taps).containsOnlyKeys("block1_conv1", "block3_conv2");
            assertThat(taps.get("block1_conv1").getShape()).isEqualTo(new Shape(1, 64, 32, 32));
            NDArray full = features.forward(store, new NDList(input), false).singletonOrThrow();
            assertThat(taps.get("block3_conv2").allClose(full)).isTrue();
            assertThat(taps.get("block1_conv1").min().getFloat()).isGreaterThanOrEqualTo(0f);
        }
    }
}
