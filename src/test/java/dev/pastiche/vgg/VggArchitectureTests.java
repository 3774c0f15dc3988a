package dev.pastiche.vgg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.pastiche.vgg.VggArchitecture.Layer;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class VggArchitectureTests {

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({
        "vgg11, 132863336, 8", "vgg13, 133047848, 10", "vgg16, 138357544, 13", "vgg19, 143667240, 16",
        "vgg11_bn, 132868840, 8", "vgg13_bn, 133053736, 10", "vgg16_bn, 138365992, 13", "vgg19_bn, 143678248, 16",
    })
    void totalsEqualTorchvision(String id, long parameters, int convLayers) {
        VggVariant variant = VggVariant.of(id);
        VggArchitecture.Table table = VggArchitecture.of(variant, 224, 224);
        assertThat(table.totals().parameters()).isEqualTo(parameters);
        assertThat(table.totals().fcParameters()).isEqualTo(123_642_856L);
        assertThat(table.totals().convParameters() + table.totals().fcParameters()).isEqualTo(parameters);
        assertThat(table.layers().stream().mapToLong(Layer::parameters).sum()).isEqualTo(parameters);
        assertThat(variant.convLayers()).isEqualTo(convLayers);
        assertThat(table.layers().stream().filter(l -> l.kind() == LayerKind.CONV)).hasSize(convLayers);
        assertThat(table.layers().stream().filter(l -> l.kind() == LayerKind.BATCHNORM)).hasSize(variant.batchNorm() ? convLayers : 0);
        assertThat(table.layers().stream().filter(l -> l.kind() == LayerKind.LINEAR)).hasSize(3);
        // the same at any input size: the adaptive pool fixes the classifier's input
        assertThat(VggArchitecture.of(variant, 97, 311).totals()).isEqualTo(table.totals());
    }

    @Test
    void flopsMatchTorchvisionsCountAndBlocksShareThem() {
        VggArchitecture.Table table = VggArchitecture.of(VggVariant.VGG19, 224, 224);
        // torchvision's model table: vgg19 19.63 "GFLOPS", i.e. multiply-adds; two FLOPs each here
        assertThat(table.flops() / 2e9).isCloseTo(19.63, within(0.005));
        assertThat(layer(table, "block1_conv2").flops()).isEqualTo(2L * 9 * 64 * 64 * 224 * 224);
        assertThat(layer(table, "fc1").flops()).isEqualTo(2L * 25088 * 4096);
        assertThat(layer(table, "block1_pool").flops()).isZero();
        assertThat(table.blocks()).extracting(VggArchitecture.Block::name)
                .containsExactly("block1", "block2", "block3", "block4", "block5", "classifier");
        assertThat(table.blocks().stream().mapToDouble(VggArchitecture.Block::parameterShare).sum()).isCloseTo(1.0, within(1e-12));
        assertThat(table.blocks().stream().mapToDouble(VggArchitecture.Block::flopShare).sum()).isCloseTo(1.0, within(1e-12));
        VggArchitecture.Block classifier = table.blocks().get(5);
        assertThat(classifier.parameters()).isEqualTo(123_642_856L);
        // 86 % of the parameters, under 1 % of the computing
        assertThat(classifier.parameterShare()).isCloseTo(0.8606, within(1e-4));
        assertThat(classifier.flopShare()).isLessThan(0.01);
        assertThat(table.blocks().get(0).layers()).containsExactly("block1_conv1", "block1_relu1", "block1_conv2", "block1_relu2", "block1_pool");
        // FLOPs grow with the input; parameters do not
        VggArchitecture.Table large = VggArchitecture.of(VggVariant.VGG19, 448, 448);
        assertThat(layer(large, "block3_conv1").flops()).isEqualTo(4 * layer(table, "block3_conv1").flops());
        assertThat(large.totals()).isEqualTo(table.totals());
    }

    @Test
    void stackedThreeByThreeConvolutionsFollowThePaper() {
        List<VggArchitecture.Stacking> rows = VggArchitecture.stacking(512, 4);
        assertThat(rows).extracting(VggArchitecture.Stacking::receptiveField).containsExactly(3, 5, 7, 9);
        VggArchitecture.Stacking three = rows.get(2);
        // §2.3: 3·(3²C²) = 27C² against 7²C² = 49C², three ReLUs against one
        assertThat(three.stackedParameters()).isEqualTo(27L * 512 * 512);
        assertThat(three.singleParameters()).isEqualTo(49L * 512 * 512);
        assertThat(three.singleKernel()).isEqualTo(7);
        assertThat(three.stackedRelus()).isEqualTo(3);
        assertThat(three.singleRelus()).isEqualTo(1);
        assertThat(three.parameterRatio()).isCloseTo(27.0 / 49, within(1e-12));
        assertThat(rows.get(0).parameterRatio()).isEqualTo(1.0);
    }

    @Test
    void vgg19ConvPartAndTorchvisionIndices() {
        VggArchitecture.Table table = VggArchitecture.of(VggVariant.VGG19, 224, 224);
        assertThat(table.totals().convParameters()).isEqualTo(20_024_384L);
        assertThat(layer(table, "block4_conv2").torchvisionIndex()).isEqualTo(21);
        // taps are post-ReLU: block4_conv2 is features.21 followed by its ReLU, features.22
        assertThat(VggVariant.VGG19.tapIndex("block4_conv2")).isEqualTo(22);
        assertThat(List.of("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1"))
                .extracting(t -> VggVariant.VGG19.tapIndex(t) - 1).containsExactly(0, 5, 10, 19, 28);
        assertThat(VggVariant.VGG19.featureLayers()).hasSize(37);
        assertThat(VggVariant.VGG19_BN.featureLayers()).hasSize(53);
        assertThat(VggVariant.VGG19.tapNames()).hasSize(16).startsWith("block1_conv1", "block1_conv2").endsWith("block5_conv4");
    }

    @Test
    void vgg16ShapesAndReceptiveFieldsFollowTheSeedNotes() {
        VggArchitecture.Table table = VggArchitecture.of(VggVariant.VGG16, 224, 224);
        assertThat(layer(table, "block1_conv1").outputShape()).containsExactly(64, 224, 224);
        assertThat(layer(table, "block1_conv1").receptiveField()).isEqualTo(3);
        assertThat(layer(table, "block1_conv2").receptiveField()).isEqualTo(5);
        assertThat(layer(table, "block1_pool").outputShape()).containsExactly(64, 112, 112);
        assertThat(layer(table, "block1_pool").receptiveField()).isEqualTo(6);
        assertThat(layer(table, "block3_pool").outputShape()).containsExactly(256, 28, 28);
        assertThat(layer(table, "block5_conv3").receptiveField()).isEqualTo(196);
        assertThat(layer(table, "block5_conv3").outputShape()).containsExactly(512, 14, 14);
        assertThat(layer(table, "block5_pool").receptiveField()).isEqualTo(212);
        assertThat(layer(table, "block5_pool").outputShape()).containsExactly(512, 7, 7);
        assertThat(layer(table, "flatten").outputShape()).containsExactly(25088);
        assertThat(layer(table, "fc1").parameters()).isEqualTo(25088L * 4096 + 4096);
        assertThat(layer(table, "fc3").outputShape()).containsExactly(1000);
        assertThat(layer(table, "fc3").torchvisionName()).isEqualTo("classifier.6");
        // "89 % of VGG16's parameters are in the FC layers" (seed notes)
        assertThat((double) table.totals().fcParameters() / table.totals().parameters()).isBetween(0.89, 0.90);
    }

    @Test
    void oddSizesFloorAtEachPool() {
        VggArchitecture.Table table = VggArchitecture.of(VggVariant.VGG11, 100, 37);
        assertThat(layer(table, "block1_pool").outputShape()).containsExactly(64, 50, 18);
        assertThat(layer(table, "block5_pool").outputShape()).containsExactly(512, 3, 1);
    }

    @Test
    void batchNormVariantsCountTwoParametersPerChannel() {
        VggArchitecture.Table table = VggArchitecture.of(VggVariant.VGG11_BN, 224, 224);
        assertThat(layer(table, "block1_bn1").parameters()).isEqualTo(128);
        assertThat(layer(table, "block1_bn1").torchvisionIndex()).isEqualTo(1);
        assertThat(layer(table, "block1_relu1").torchvisionIndex()).isEqualTo(2);
    }

    @Test
    void refusesInputsTooSmallForFivePools() {
        assertThatThrownBy(() -> VggArchitecture.of(VggVariant.VGG19, 31, 224)).hasMessageContaining("at least 32");
    }

    @Test
    void unknownLayersAreNamedWithTheAlternatives() {
        assertThatThrownBy(() -> VggVariant.VGG11.tapIndex("block1_conv2"))
                .isInstanceOf(UnknownLayerException.class).hasMessageContaining("block1_conv1");
    }

    private static Layer layer(VggArchitecture.Table table, String name) {
        return table.layers().stream().filter(l -> l.name().equals(name)).findFirst().orElseThrow();
    }
}
