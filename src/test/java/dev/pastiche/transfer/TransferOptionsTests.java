package dev.pastiche.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.within;

import dev.pastiche.vgg.VggVariant;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Defaults and validation of API.md's style-transfer options, as {@link StyleTransferEngine#resolve} applies them. */
class TransferOptionsTests {

    private static ResolvedOptions resolve(TransferOptions options, int styles) {
        return options.resolve(styles, TransferFixtures.LIMITS, VggVariant.VGG19, "block4_conv2", TransferFixtures.STYLE);
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

        assertThat(options.size()).isEqualTo(512);
        assertThat(options.iterations()).isEqualTo(300);
        assertThat(options.optimizer()).isEqualTo(OptimizerType.LBFGS);
        assertThat(options.learningRate()).isEqualTo(0.02);
        assertThat(options.contentWeight()).isEqualTo(1.0);
        assertThat(options.styleWeight()).isEqualTo(1e6);
        assertThat(options.tvWeight()).isEqualTo(0.0);
        assertThat(options.styleWeights()).containsExactly(1.0);
        assertThat(options.styleScale()).isEqualTo(1.0);
        assertThat(options.init()).isEqualTo(InitMode.CONTENT);
        assertThat(options.preserveColors()).isFalse();
        assertThat(options.scales()).isEqualTo(1);
        assertThat(options.minSize()).isEqualTo(128);
        assertThat(options.contentLayer()).isEqualTo("block4_conv2");
        assertThat(options.styleLayers()).isEqualTo(TransferFixtures.STYLE);
        assertThat(options.previewEvery()).isEqualTo(25);
        assertThat(options.deadlineSeconds()).isZero();
        assertThat(options.downscaleToFit()).isFalse();
    }

    @Test
    void aGivenSeedIsKept() {
        assertThat(resolve(TransferOptions.builder().seed(1234567).build(), 1).seed()).isEqualTo(1234567);
    }

    @Test
    void withoutASeedOneIsChosenInJavaScriptsSafeIntegerRange() {
        long first = resolve(TransferOptions.defaults(), 1).seed();
        long second = resolve(TransferOptions.defaults(), 1).seed();

        assertThat(first).isBetween(0L, (1L << 53) - 1);
        assertThat(second).isBetween(0L, (1L << 53) - 1);
        assertThat(first).as("a fresh seed per request").isNotEqualTo(second);
    }

    @Test
    void styleWeightsAreNormalisedToSumToOne() {
        ResolvedOptions options = resolve(TransferOptions.builder().styleWeights(List.of(2.0, 6.0)).build(), 2);

        assertThat(options.styleWeights()).hasSize(2);
        assertThat(options.styleWeights().get(0)).isCloseTo(0.25, within(1e-15));
        assertThat(options.styleWeights().get(1)).isCloseTo(0.75, within(1e-15));
    }

    @Test
    void withoutStyleWeightsTheStylesWeighEqually() {
        assertThat(resolve(TransferOptions.defaults(), 4).styleWeights()).containsExactly(0.25, 0.25, 0.25, 0.25);
    }

    @Test
    void aSizeBelowTheDefaultMinSizeLowersMinSize() {
        ResolvedOptions options = resolve(TransferOptions.builder().size(64).build(), 1);

        assertThat(options.minSize()).isEqualTo(64);
    }

    static Stream<Arguments> oneBadField() {
        return Stream.of(
                bad("size", b -> b.size(0)),
                bad("size", b -> b.size(TransferFixtures.LIMITS.maxSize() + 1)),
                bad("size", b -> b.size(TransferOptions.SMALLEST_SIZE - 1)),
                bad("iterations", b -> b.iterations(0)),
                bad("iterations", b -> b.iterations(TransferFixtures.LIMITS.maxIterations() + 1)),
                bad("learningRate", b -> b.learningRate(0)),
                bad("learningRate", b -> b.learningRate(Double.NaN)),
                bad("contentWeight", b -> b.contentWeight(Double.NaN)),
                bad("contentWeight", b -> b.contentWeight(-1)),
                bad("styleWeight", b -> b.styleWeight(Double.POSITIVE_INFINITY)),
                bad("styleWeight", b -> b.styleWeight(-1e-9)),
                bad("tvWeight", b -> b.tvWeight(Double.NEGATIVE_INFINITY)),
                bad("tvWeight", b -> b.tvWeight(Double.NaN)),
                bad("styleWeights", b -> b.styleWeights(List.of(1.0))),
                bad("styleWeights", b -> b.styleWeights(List.of(1.0, 2.0, 3.0))),
                bad("styleWeights", b -> b.styleWeights(List.of(0.0, 0.0))),
                bad("styleWeights", b -> b.styleWeights(List.of(1.0, -1.0))),
                bad("styleWeights", b -> b.styleWeights(List.of(1.0, Double.NaN))),
                bad("styleScale", b -> b.styleScale(0)),
                bad("styleScale", b -> b.styleScale(Double.NaN)),
                bad("scales", b -> b.scales(0)),
                bad("scales", b -> b.scales(11)),
                bad("minSize", b -> b.minSize(16)),
                bad("minSize", b -> b.size(256).minSize(257)),
                bad("previewEvery", b -> b.previewEvery(0)),
                bad("deadlineSeconds", b -> b.deadlineSeconds(-1)),
                bad("contentLayer", b -> b.contentLayer("block9_conv9")),
                bad("styleLayers", b -> b.styleLayers(List.of("block1_conv1", "conv1"))),
                bad("styleLayers", b -> b.styleLayers(List.of())));
    }

    private static Arguments bad(String field, UnaryOperator<TransferOptions.Builder> option) {
        TransferOptions options = option.apply(TransferOptions.builder()).build();
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
        assertThat(resolve(TransferOptions.defaults(), 8).styleWeights()).hasSize(8);
    }

    @Test
    void everyBadFieldIsReportedAtOnce() {
        TransferOptions options = TransferOptions.builder().size(0).iterations(0).contentWeight(Double.NaN).styleWeight(-1)
                .tvWeight(Double.POSITIVE_INFINITY).styleWeights(List.of(1.0)).styleScale(0).scales(11)
                .contentLayer("block9_conv9").styleLayers(List.of("nope")).build();

        assertThat(invalidFields(options, 9)).containsExactlyInAnyOrder("size", "iterations", "contentWeight", "styleWeight",
                "tvWeight", "styleWeights", "styleScale", "scales", "contentLayer", "styleLayers", "style");
    }

    @Test
    void theMessageNamesTheFieldAndTheAllowedRange() {
        InvalidOptionsException e = catchThrowableOfType(InvalidOptionsException.class,
                () -> resolve(TransferOptions.builder().scales(11).build(), 1));

        assertThat(e.getMessage()).contains("scales").contains("1").contains("10").contains("11");
    }

    @Test
    void anUnknownLayerMessageListsTheLayersThereAre() {
        InvalidOptionsException e = catchThrowableOfType(InvalidOptionsException.class,
                () -> resolve(TransferOptions.builder().contentLayer("block9_conv9").build(), 1));

        assertThat(e.errors()).singleElement().satisfies(error -> assertThat(error.message())
                .contains("block9_conv9").contains("block4_conv2"));
    }
}
