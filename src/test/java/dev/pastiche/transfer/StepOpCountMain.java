package dev.pastiche.transfer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import dev.pastiche.image.RgbImage;
import dev.pastiche.perception.ImageTensors;
import dev.pastiche.perception.PerceptionModel;
import dev.pastiche.perception.StyleObjective;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What one Adam step asks of libtorch, for docs/performance.md: the step of the service (the
 * default objective at 64², sizes do not change the count) under PyTorch's own profiler, whose
 * trace {@code scripts/reference/count_ops.py} counts beside the same step in PyTorch. Args: the
 * trace file to write.
 */
public final class StepOpCountMain {

    private StepOpCountMain() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("pastiche-ops");
        RgbImage content = TransferFixtures.picture(64, 64, 1);
        RgbImage style = TransferFixtures.picture(64, 64, 2);
        try (PerceptionModel model = TransferFixtures.randomModel(dir)) {
            StyleTransferEngine engine = TransferFixtures.engine(model);
            ResolvedOptions options = engine.resolve(OptionsBuilder.options().with("size", 64).with("optimizer", "adam").build(), 1);
            try (NDManager job = model.extractor().newScope();
                    StyleObjective objective = StyleObjective.create(model.extractor(), job, content, List.of(style), options.layers(),
                            options.weights())) {
                Adam adam = new Adam(job, 0.02);
                Evaluator evaluator = new Evaluator(objective, Evaluator.Observer.NONE);
                NDArray x = ImageTensors.batch(job, content);
                for (int i = 0; i < 3; i++) {
                    x = adam.step(x, evaluator);
                }
                JniUtils.startProfile(false, false, false);
                x = adam.step(x, evaluator);
                JniUtils.stopProfile(args[0]);
            }
        }
    }
}
