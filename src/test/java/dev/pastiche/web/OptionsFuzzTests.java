package dev.pastiche.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.pastiche.perception.ModelProperties;
import dev.pastiche.transfer.InvalidOptionsException;
import dev.pastiche.transfer.ResolvedOptions;
import dev.pastiche.transfer.TransferProperties;
import dev.pastiche.vgg.VggVariant;
import java.util.List;
import org.springframework.util.unit.DataSize;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Coverage-guided fuzzing of the {@code options} part (Jazzer): parsing as the controller does it,
 * then validation as the engine does it. Every document must resolve to options within the limits
 * or be refused with a validation problem naming a field; nothing else may escape (it would be a 500).
 */
class OptionsFuzzTests {

    private static final List<String> STYLE_LAYERS = List.of("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1");
    private static final TransferProperties LIMITS = new TransferProperties(2048, 5000, 8, DataSize.ofGigabytes(8));
    /** As application.yml configures Spring's mapper for input. */
    private static final StyleTransferController CONTROLLER = new StyleTransferController(null, null, null,
            JsonMapper.builder().enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS).build());

    @FuzzTest(maxDuration = "20s")
    void parsesOrRefusesEveryOptionsDocument(FuzzedDataProvider data) {
        int styles = data.consumeInt(0, 9);
        String options = data.consumeRemainingAsString();
        StyleTransferController.ParsedOptions parsed;
        try {
            parsed = CONTROLLER.parse(options);
        } catch (ApiProblemException e) {
            assertThat(e.type()).isEqualTo(ProblemType.VALIDATION);
            assertThat(e.errors()).isNotEmpty();
            return;
        }
        try {
            ResolvedOptions resolved = parsed.transfer().resolve(styles, LIMITS, new ModelProperties(VggVariant.VGG19, "block4_conv2", STYLE_LAYERS, 1));
            assertThat(resolved.schedule().size()).isBetween(32, LIMITS.maxSize());
            assertThat(resolved.schedule().iterations()).isBetween(1, LIMITS.maxIterations());
            assertThat(resolved.weights().styleWeights()).hasSize(styles);
            assertThat(resolved.weights().styleWeights().stream().mapToDouble(Double::doubleValue).sum()).isCloseTo(1.0,
                    org.assertj.core.api.Assertions.within(1e-9));
        } catch (InvalidOptionsException e) {
            assertThat(e.errors()).isNotEmpty();
        }
    }
}
