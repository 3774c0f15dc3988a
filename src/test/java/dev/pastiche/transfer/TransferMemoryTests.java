package dev.pastiche.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pastiche.image.RgbImage;
import dev.pastiche.perception.PerceptionModel;
import dev.pastiche.testing.ProcessMemory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Native memory stays flat across iterations: per-step scopes free everything a step makes. */
class TransferMemoryTests {

    /** An iteration leaking one 128² activation or gradient would add ≥ 64 MB over 300 iterations. */
    private static final long RSS_SLACK = 48L << 20;

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
    void threeHundredAdamIterationsAt128KeepLiveArraysAndRssFlat() {
        List<Integer> arrays = new ArrayList<>();
        List<Long> rss = new ArrayList<>();
        TransferListener probe = new TransferListener() {
            @Override
            public void progress(TransferProgress progress) {
                arrays.add(model.extractor().liveArrays());
                if (progress.iteration() == 30 || progress.iteration() == 300) {
                    rss.add(ProcessMemory.rss());
                }
            }
        };
        int before = model.extractor().liveArrays();
        RgbImage content = TransferFixtures.picture(128, 128, 1);
        RgbImage style = TransferFixtures.picture(128, 128, 2);
        TransferOptions options = OptionsBuilder.options().with("size", 128).with("iterations", 300).with("optimizer", OptimizerType.ADAM).with("seed", 3)
                .with("previewEvery", 50).build();
        engine.run(TransferFixtures.request(engine, content, List.of(style), options), probe, () -> false);

        assertThat(arrays).hasSize(300);
        assertThat(arrays.subList(1, 300)).as("live NDArrays at each evaluation").containsOnly(arrays.get(1));
        assertThat(rss.get(1) - rss.get(0)).as("RSS growth from iteration 30 to 300 (%d MB → %d MB)", rss.get(0) >> 20, rss.get(1) >> 20)
                .isLessThan(RSS_SLACK);
        assertThat(model.extractor().liveArrays()).isEqualTo(before);
    }

    @Test
    void w2EvaluationsLeaveNothingBehindInTheStage() {
        int before = model.extractor().liveArrays();

        List<Integer> arrays = liveArraysAtEachIteration(OptionsBuilder.options().with("size", 64).with("iterations", 4)
                .with("optimizer", OptimizerType.ADAM).with("styleLoss", "w2").with("seed", 3).build());

        // what an evaluation makes from the targets (W2's root · Σ · root and its square root) dies with the evaluation
        assertThat(arrays).hasSize(4);
        assertThat(arrays.subList(1, 4)).as("live NDArrays at each evaluation").containsOnly(arrays.get(1));
        assertThat(model.extractor().liveArrays()).isEqualTo(before);
    }

    @Test
    void lbfgsHistoryIsBoundedAndReleasedWithTheRun() {
        int before = model.extractor().liveArrays();

        List<Integer> arrays = liveArraysAtEachIteration(
                OptionsBuilder.options().with("size", 64).with("iterations", 60).with("optimizer", OptimizerType.LBFGS).with("seed", 3).build());

        // two history vectors per iteration at most, and each line search's points freed with its step
        int iterationsAtMost = arrays.size();
        assertThat(arrays.stream().mapToInt(Integer::intValue).max().orElseThrow())
                .isLessThan(arrays.get(0) + 2 * iterationsAtMost + 40);
        assertThat(model.extractor().liveArrays()).isEqualTo(before);
    }

    /** Runs 64² pictures with {@code options}; the extractor's live arrays at each published iteration. */
    private static List<Integer> liveArraysAtEachIteration(TransferOptions options) {
        List<Integer> arrays = new ArrayList<>();
        TransferListener probe = new TransferListener() {
            @Override
            public void progress(TransferProgress progress) {
                arrays.add(model.extractor().liveArrays());
            }
        };
        engine.run(TransferFixtures.request(engine, TransferFixtures.picture(64, 64, 1),
                List.of(TransferFixtures.picture(64, 64, 2)), options), probe, () -> false);
        return arrays;
    }
}
