package dev.pastiche.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.within;

import dev.pastiche.perception.Pooling;
import dev.pastiche.perception.StyleLoss;
import dev.pastiche.vgg.VggVariant;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** Defaults and validation of API.md's style-transfer options, as {@link StyleTransferEngine#resolve} applies them. */
class TransferOptionsTests {

    private static ResolvedOptions resolve(TransferOptions options, int styles) {
        return options.resolve(styles, TransferFixtures.LIMITS, TransferFixtures.vgg19());
    }

    private static List<String> invalidFields(TransferOptions options, int styles) {
        InvalidOptionsException e = catchThrowableOfType(InvalidOptionsException.class, () -> resolve(options, styles));
        assertThat(e).as("InvalidOptionsException for %s", options).isNotNull();
        assertThat(e.errors()).allSatisfy(error -> assertThat(error.message()).isNotBlank());
        return e.errors().stream().map(InvalidOptionsException.FieldError::field).toList();
    }

    @Test
    void defaultsAreTheOnesApiMdDocuments() {
        ResolvedOptions options = resolve(TransferOptions.defaults(), 1);

        assertThat(options.schedule().size()).isEqualTo(512);
        assertThat(options.schedule().iterations()).isEqualTo(300);
        assertThat(options.optimisation().optimizer()).isEqualTo(OptimizerType.LBFGS);
        assertThat(options.optimisation().learningRate()).isEqualTo(0.02);
        assertThat(options.weights().contentWeight()).isEqualTo(1.0);
        assertThat(options.weights().styleWeight()).isEqualTo(1e6);
        assertThat(options.weights().tvWeight()).isEqualTo(0.0);
        assertThat(options.weights().styleWeights()).containsExactly(1.0);
        assertThat(options.schedule().styleScale()).isEqualTo(1.0);
        assertThat(options.optimisation().init()).isEqualTo(InitMode.CONTENT);
        assertThat(options.output().preserveColors()).isFalse();
        assertThat(options.schedule().scales()).isEqualTo(1);
        assertThat(options.schedule().minSize()).isEqualTo(128);
        assertThat(options.layers().contentLayer()).isEqualTo("block4_conv2");
        assertThat(options.layers().styleLayers()).isEqualTo(TransferFixtures.STYLE);
        assertThat(options.output().previewEvery()).isEqualTo(25);
        assertThat(options.schedule().deadlineSeconds()).isZero();
        assertThat(options.schedule().downscaleToFit()).isFalse();
    }

    @Test
    void aJobStoredBeforeTheEngineOptionsExistedReadsBackAsTheRunItWas() {
        JsonMapper json = JsonMapper.builder().build();
        ResolvedOptions current = resolve(OptionsBuilder.options().with("scales", 3).with("iterations", 40).build(), 1);
        ObjectNode stored = (ObjectNode) json.valueToTree(current);
        // the fields that engine round two added; a row written before it has none of them
        stored.remove(List.of("initialIterations", "averageDecay", "styleLoss", "pooling", "styleLayerWeights"));

        ResolvedOptions read = json.treeToValue(stored, ResolvedOptions.class);

        assertThat(read.schedule().initialIterations()).as("every stage ran all iterations").isEqualTo(40);
        assertThat(read.optimisation().averageDecay()).isZero();
        assertThat(read.layers().styleLoss()).isEqualTo(StyleLoss.GRAM);
        assertThat(read.layers().pooling()).isEqualTo(Pooling.MAX);
        assertThat(read.weights().styleLayerWeights()).hasSize(current.layers().styleLayers().size()).containsOnly(1.0);
        assertThat(read.weights().styleWeights()).isEqualTo(current.weights().styleWeights());
    }

    @Test
    void aJobStoredBeforeColourModesAndStyleScalesReadsBackAsTheRunItWas() {
        JsonMapper json = JsonMapper.builder().build();
        ResolvedOptions current = resolve(OptionsBuilder.options().with("preserveColors", true).with("styleScale", 2.0).build(), 2);
        ObjectNode stored = (ObjectNode) json.valueToTree(current);
        stored.remove(List.of("colorMode", "styleScales"));

        ResolvedOptions read = json.treeToValue(stored, ResolvedOptions.class);

        assertThat(read.output().colorMode()).isEqualTo(ColorMode.LUMINANCE);
        assertThat(read.schedule().styleScaleOf(0)).isEqualTo(2.0);
        assertThat(read.schedule().styleScaleOf(1)).isEqualTo(2.0);
    }

    @Test
    void preserveColorsIsTheLuminanceColourMode() {
        assertThat(resolve(OptionsBuilder.options().with("preserveColors", true).build(), 1).output().colorMode()).isEqualTo(ColorMode.LUMINANCE);
        ResolvedOptions histogram = resolve(OptionsBuilder.options().with("colorMode", "histogram").build(), 1);
        assertThat(histogram.output().colorMode()).isEqualTo(ColorMode.HISTOGRAM);
        assertThat(histogram.output().preserveColors()).isFalse();
        assertThat(resolve(OptionsBuilder.options().with("colorMode", "luminance-only").build(), 1).output().colorMode())
                .isEqualTo(ColorMode.LUMINANCE_ONLY);
    }

    @Test
    void masksNeedTheGramStyleLoss() {
        InvalidOptionsException e = catchThrowableOfType(InvalidOptionsException.class, () -> OptionsBuilder.options().with("styleLoss", "w2")
                .build().resolve(1, true, TransferFixtures.LIMITS, TransferFixtures.vgg19()));

        assertThat(e.errors()).extracting(InvalidOptionsException.FieldError::field).containsExactly("mask");
    }

    @Test
    void aGivenSeedIsKept() {
        assertThat(resolve(OptionsBuilder.options().with("seed", 1234567).build(), 1).optimisation().seed()).isEqualTo(1234567);
    }

    @Test
    void withoutASeedOneIsChosenInJavaScriptsSafeIntegerRange() {
        long first = resolve(TransferOptions.defaults(), 1).optimisation().seed();
        long second = resolve(TransferOptions.defaults(), 1).optimisation().seed();

        assertThat(first).isBetween(0L, (1L << 53) - 1);
        assertThat(second).isBetween(0L, (1L << 53) - 1);
        assertThat(first).as("a fresh seed per request").isNotEqualTo(second);
    }

    @Test
    void styleWeightsAreNormalisedToSumToOne() {
        ResolvedOptions options = resolve(OptionsBuilder.options().with("styleWeights", List.of(2.0, 6.0)).build(), 2);

        assertThat(options.weights().styleWeights()).hasSize(2);
        assertThat(options.weights().styleWeights().get(0)).isCloseTo(0.25, within(1e-15));
        assertThat(options.weights().styleWeights().get(1)).isCloseTo(0.75, within(1e-15));
    }

    @Test
    void withoutStyleWeightsTheStylesWeighEqually() {
        assertThat(resolve(TransferOptions.defaults(), 4).weights().styleWeights()).containsExactly(0.25, 0.25, 0.25, 0.25);
    }

    @Test
    void aSizeBelowTheDefaultMinSizeLowersMinSize() {
        ResolvedOptions options = resolve(OptionsBuilder.options().with("size", 64).build(), 1);

        assertThat(options.schedule().minSize()).isEqualTo(64);
    }

    static Stream<Arguments> oneBadField() {
        return Stream.of(
                bad("size", b -> b.with("size", 0)),
                bad("size", b -> b.with("size", TransferFixtures.LIMITS.maxSize() + 1)),
                bad("size", b -> b.with("size", TransferOptions.SMALLEST_SIZE - 1)),
                bad("iterations", b -> b.with("iterations", 0)),
                bad("iterations", b -> b.with("iterations", TransferFixtures.LIMITS.maxIterations() + 1)),
                bad("learningRate", b -> b.with("learningRate", 0)),
                bad("learningRate", b -> b.with("learningRate", Double.NaN)),
                bad("contentWeight", b -> b.with("contentWeight", Double.NaN)),
                bad("contentWeight", b -> b.with("contentWeight", -1)),
                bad("styleWeight", b -> b.with("styleWeight", Double.POSITIVE_INFINITY)),
                bad("styleWeight", b -> b.with("styleWeight", -1e-9)),
                bad("tvWeight", b -> b.with("tvWeight", Double.NEGATIVE_INFINITY)),
                bad("tvWeight", b -> b.with("tvWeight", Double.NaN)),
                bad("styleWeights", b -> b.with("styleWeights", List.of(1.0))),
                bad("styleWeights", b -> b.with("styleWeights", List.of(1.0, 2.0, 3.0))),
                bad("styleWeights", b -> b.with("styleWeights", List.of(0.0, 0.0))),
                bad("styleWeights", b -> b.with("styleWeights", List.of(1.0, -1.0))),
                bad("styleWeights", b -> b.with("styleWeights", List.of(1.0, Double.NaN))),
                bad("styleScale", b -> b.with("styleScale", 0)),
                bad("styleScale", b -> b.with("styleScale", Double.NaN)),
                bad("styleScales", b -> b.with("styleScales", List.of(1.0))),
                bad("styleScales", b -> b.with("styleScales", List.of(1.0, 0.05))),
                bad("styleScales", b -> b.with("styleScales", List.of(1.0, Double.NaN))),
                bad("preserveColors", b -> b.with("preserveColors", true).with("colorMode", "luminance-only")),
                bad("scales", b -> b.with("scales", 0)),
                bad("scales", b -> b.with("scales", 11)),
                bad("minSize", b -> b.with("minSize", 16)),
                bad("minSize", b -> b.with("size", 256).with("minSize", 257)),
                bad("previewEvery", b -> b.with("previewEvery", 0)),
                bad("deadlineSeconds", b -> b.with("deadlineSeconds", -1)),
                bad("contentLayer", b -> b.with("contentLayer", "block9_conv9")),
                bad("styleLayers", b -> b.with("styleLayers", List.of("block1_conv1", "conv1"))),
                bad("styleLayers", b -> b.with("styleLayers", List.of())));
    }

    private static Arguments bad(String field, UnaryOperator<OptionsBuilder> option) {
        TransferOptions options = option.apply(OptionsBuilder.options()).build();
        return Arguments.of(field, options);
    }

    /** Two styles throughout, so that the styleWeights cases have something to count against. */
    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("oneBadField")
    void anInvalidOptionIsReportedUnderItsOwnFieldAndNoOther(String field, TransferOptions options) {
        assertThat(invalidFields(options, 2)).containsExactly(field);
    }

    @ParameterizedTest(name = "{0} styles")
    @ValueSource(ints = {0, 9})
    void oneToEightStylesAreAccepted(int styles) {
        assertThat(invalidFields(TransferOptions.defaults(), styles)).containsExactly("style");
        assertThat(resolve(TransferOptions.defaults(), 8).weights().styleWeights()).hasSize(8);
    }

    @Test
    void everyBadFieldIsReportedAtOnce() {
        TransferOptions options = OptionsBuilder.options().with("size", 0).with("iterations", 0).with("contentWeight", Double.NaN).with("styleWeight", -1)
                .with("tvWeight", Double.POSITIVE_INFINITY).with("styleWeights", List.of(1.0)).with("styleScale", 0).with("scales", 11)
                .with("contentLayer", "block9_conv9").with("styleLayers", List.of("nope")).build();

        assertThat(invalidFields(options, 9)).containsExactlyInAnyOrder("size", "iterations", "contentWeight", "styleWeight",
                "tvWeight", "styleWeights", "styleScale", "scales", "contentLayer", "styleLayers", "style");
    }

    @Test
    void theMessageNamesTheFieldAndTheAllowedRange() {
        InvalidOptionsException e = catchThrowableOfType(InvalidOptionsException.class,
                () -> resolve(OptionsBuilder.options().with("scales", 11).build(), 1));

        assertThat(e.getMessage()).contains("scales").contains("1").contains("10").contains("11");
    }

    @Test
    void anUnknownLayerMessageListsTheLayersThereAre() {
        InvalidOptionsException e = catchThrowableOfType(InvalidOptionsException.class,
                () -> resolve(OptionsBuilder.options().with("contentLayer", "block9_conv9").build(), 1));

        assertThat(e.errors()).singleElement().satisfies(error -> assertThat(error.message())
                .contains("block9_conv9").contains("block4_conv2"));
    }
}
