package dev.pastiche.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import dev.pastiche.image.RgbImage;
import dev.pastiche.perception.ImageTensors;
import dev.pastiche.perception.PerceptionModel;
import dev.pastiche.perception.StyleObjective;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * GPU readiness, checked on the CPU: an Adam step asks libtorch for no value back (a read back is
 * a synchronisation with a GPU), and the engine reads the losses only when it publishes progress.
 */
class AdamReadbackTests {

    @TempDir
    static Path dir;

    private static PerceptionModel model;
    private static StyleTransferEngine engine;

    @BeforeAll
    static void load() {
        model = TransferFixtures.randomModel(dir);
        engine = TransferFixtures.engine(model);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void adamStepsRunNoOperatorThatReadsAValueBack() throws Exception {
        RgbImage content = TransferFixtures.picture(48, 48, 1);
        ResolvedOptions options = engine.resolve(OptionsBuilder.options().with("size", 48).with("optimizer", "adam").build(), 1);
        Path trace = dir.resolve("adam-steps.json");
        try (NDManager job = model.extractor().newScope();
                StyleObjective objective = StyleObjective.create(model.extractor(), job, content,
                        List.of(TransferFixtures.picture(48, 48, 2)), options.layers(), options.weights())) {
            Adam adam = new Adam(job, 0.02);
            Evaluator evaluator = new Evaluator(objective, Evaluator.Observer.NONE);
            NDArray x = ImageTensors.batch(job, content);
            x = adam.step(x, evaluator);
            JniUtils.startProfile(false, false, false);
            for (int i = 0; i < 3; i++) {
                x = adam.step(x, evaluator);
            }
            JniUtils.stopProfile(trace.toString());
        }

        List<String> operators = new ArrayList<>();
        for (JsonNode event : JsonMapper.shared().readTree(Files.readString(trace))) {
            operators.add(event.path("name").asString());
        }
        assertThat(operators).as("the steps were traced").contains("aten::conv2d", "aten::convolution_backward");
        // aten::item and its kernel are what every read of a tensor's value goes through (DJL's clip used them)
        assertThat(operators).doesNotContain("aten::item", "aten::_local_scalar_dense");
    }

    @Test
    void theLossesAreReadOnlyWhenProgressIsPublished() {
        List<TransferProgress> published = new ArrayList<>();
        TransferListener rarely = new TransferListener() {
            @Override
            public void progress(TransferProgress progress) {
                published.add(progress);
            }

            @Override
            public long progressIntervalNanos() {
                return Long.MAX_VALUE;
            }
        };
        TransferOptions options = OptionsBuilder.options().with("size", 32).with("iterations", 12).with("optimizer", "adam")
                .with("previewEvery", 5).with("contentLayer", "block2_conv2").with("styleLayers", List.of("block1_conv1")).build();

        engine.run(TransferFixtures.request(engine, TransferFixtures.picture(32, 32, 1), List.of(TransferFixtures.picture(32, 32, 2)), options),
                rarely, () -> false);

        // the previews at 5 and 10, and the end of the stage: nothing in between
        assertThat(published).extracting(TransferProgress::iteration).containsExactly(5, 10, 12);
    }
}
