package dev.pastiche.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pastiche.image.RgbImage;
import dev.pastiche.perception.PerceptionModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints and resume: a run that goes on from a checkpoint, written to bytes and read back
 * as another process would, ends exactly where the uninterrupted run ends (Adam, with the image
 * average, over two stages), and writing checkpoints changes nothing. VGG19 on seeded random
 * weights, blocks 1–2, images of 64 px: a few seconds in all.
 */
class CheckpointResumeTests {

    @TempDir
    static Path dir;

    private static PerceptionModel model;
    private static StyleTransferEngine engine;
    private static RgbImage content;
    private static RgbImage style;

    @BeforeAll
    static void load() {
        model = TransferFixtures.randomModel(dir);
        engine = TransferFixtures.engine(model);
        content = TransferFixtures.picture(96, 64, 1);
        style = TransferFixtures.picture(40, 56, 2);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** Takes a checkpoint after every iteration and keeps them all, as bytes. */
    private static final class Keeper implements TransferListener {
        final List<byte[]> checkpoints = new ArrayList<>();

        @Override
        public boolean checkpointDue(long sinceLastNanos) {
            return true;
        }

        @Override
        public void checkpoint(TransferCheckpoint checkpoint) {
            checkpoints.add(checkpoint.toBytes());
        }

        TransferCheckpoint at(int stage, int iteration) {
            return checkpoints.stream().map(TransferCheckpoint::fromBytes).filter(c -> c.stage() == stage && c.iteration() == iteration)
                    .findFirst().orElseThrow();
        }

        TransferCheckpoint last() {
            return TransferCheckpoint.fromBytes(checkpoints.get(checkpoints.size() - 1));
        }
    }

    private static TransferResult run(TransferOptions options, TransferListener listener, TransferCheckpoint from) {
        return engine.run(TransferFixtures.request(engine, content, List.of(style), options), listener, () -> false, from);
    }

    private static OptionsBuilder adam() {
        return TransferFixtures.shallow(64, 6).with("scales", 2).with("initialIterations", 4).with("minSize", 32)
                .with("averageDecay", 0.9).with("init", InitMode.NOISE).with("seed", 21);
    }

    @Test
    void anAdamRunResumedFromACheckpointEndsBitForBitWhereTheUninterruptedRunEnds() {
        TransferOptions options = adam().build();
        TransferResult plain = run(options, TransferListener.NONE, null);
        Keeper uninterrupted = new Keeper();
        TransferResult checkpointed = run(options, uninterrupted, null);
        assertThat(checkpointed.image().pixels()).as("writing checkpoints changes nothing").isEqualTo(plain.image().pixels());
        assertThat(uninterrupted.checkpoints).hasSize(4 + 6);

        // killed in the second stage, after its third iteration
        TransferCheckpoint killedAt = uninterrupted.at(1, 3);
        assertThat(killedAt.adam().step()).isEqualTo(3);
        assertThat(killedAt.average()).isNotNull();
        assertThat(killedAt.iterationsBefore()).isEqualTo(4);
        assertThat(killedAt.evaluations()).isEqualTo(7);
        Keeper resumedRun = new Keeper();
        TransferResult resumed = run(options, resumedRun, killedAt);

        assertThat(resumed.image().pixels()).as("the delivered image").isEqualTo(plain.image().pixels());
        TransferCheckpoint end = uninterrupted.last();
        TransferCheckpoint resumedEnd = resumedRun.last();
        assertThat(resumedEnd.image()).as("the last iterate, as floats").isEqualTo(end.image());
        assertThat(resumedEnd.adam().m()).isEqualTo(end.adam().m());
        assertThat(resumedEnd.adam().v()).isEqualTo(end.adam().v());
        assertThat(resumedEnd.average().biased()).isEqualTo(end.average().biased());
        assertThat(resumedEnd.resumes()).isEqualTo(1);
        assertThat(resumedRun.checkpoints).as("only the iterations left").hasSize(3);
        assertThat(resumed.losses().total()).isEqualTo(plain.losses().total());
        assertThat(resumed.iterations()).isEqualTo(plain.iterations()).isEqualTo(10);
        assertThat(resumed.evaluations()).isEqualTo(plain.evaluations());
        assertThat(resumed.resumed()).isEqualTo(new TransferResult.Resumption(2, 3, 7, 1, false));
        assertThat(plain.resumed()).isNull();
    }

    @Test
    void aResumedLbfgsStageRestartsItsHistoryAndFinishesTheRun() {
        TransferOptions options = TransferFixtures.shallow(48, 8).with("optimizer", OptimizerType.LBFGS).with("seed", 3).build();
        Keeper keeper = new Keeper();
        TransferResult plain = run(options, keeper, null);
        TransferCheckpoint at = keeper.at(0, 5);
        assertThat(at.adam()).isNull();

        TransferResult resumed = run(options, TransferListener.NONE, at);

        assertThat(resumed.resumed()).isEqualTo(new TransferResult.Resumption(1, 5, 5, 1, true));
        // the stage's evaluation budget (torch's max_eval, 1.25 per iteration) holds across the resume
        assertThat(resumed.evaluations()).isBetween(at.evaluations() + 1, 10);
        assertThat(resumed.iterations()).isBetween(6, plain.iterations());
        assertThat(resumed.losses().total()).isFinite().isLessThan(1.5 * plain.losses().total());
        assertThat(resumed.image().width()).isEqualTo(48);
    }

    @Test
    void aCheckpointOfAnotherRunIsIgnored() {
        Keeper keeper = new Keeper();
        run(TransferFixtures.shallow(64, 2).with("init", InitMode.NOISE).with("seed", 99).build(), keeper, null);

        TransferResult result = run(adam().with("iterations", 1).with("initialIterations", 1).build(), TransferListener.NONE, keeper.last());

        assertThat(result.resumed()).as("another seed and stage count").isNull();
        assertThat(result.iterations()).isEqualTo(2);
    }

    @Test
    void aCheckpointCutShortIsRefused() {
        Keeper keeper = new Keeper();
        run(TransferFixtures.shallow(32, 1).build(), keeper, null);
        byte[] bytes = keeper.checkpoints.get(0);
        assertThat(TransferCheckpoint.fromBytes(bytes).image()).hasSize(3 * 32 * 21);

        assertThatThrownBy(() -> TransferCheckpoint.fromBytes(Arrays.copyOf(bytes, bytes.length - 5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("checkpoint");
        assertThatThrownBy(() -> TransferCheckpoint.fromBytes("not a checkpoint at all".getBytes()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
