package dev.pastiche.transfer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * The exponential moving average of the iterates, bias-corrected as crowsonkb's
 * style-transfer-pytorch does ({@code biased / (1 − decay^n)}), delivered instead of the last
 * iterate when {@code averageDecay} is on: it smooths the high-frequency noise that Adam's last
 * steps leave. Starts at the stage's first image.
 */
final class ImageAverage {

    private final float decay;
    private NDArray biased;
    private double accumulated = 1;

    ImageAverage(NDManager stage, NDArray start, double decay) {
        this.decay = (float) decay;
        this.biased = stage.zeros(start.getShape());
        update(start);
    }

    private ImageAverage(NDArray biased, double accumulated, double decay) {
        this.decay = (float) decay;
        this.biased = biased;
        this.accumulated = accumulated;
    }

    /** The average as a checkpoint left it. */
    static ImageAverage restored(NDManager stage, TransferCheckpoint.AverageState state, Shape shape, double decay) {
        return new ImageAverage(stage.create(state.biased(), shape), state.accumulated(), decay);
    }

    /** The state for a checkpoint, copied to the host. */
    TransferCheckpoint.AverageState state(NDManager stage) {
        return new TransferCheckpoint.AverageState(accumulated, Checkpoints.copy(biased, stage));
    }

    /** Folds in the next iterate. */
    void update(NDArray x) {
        accumulated *= decay;
        try (NDArray weighted = x.mul(1 - decay)) {
            biased.muli(decay).addi(weighted);
        }
    }

    /** The average so far, in {@code owner}. */
    NDArray get(NDManager owner) {
        NDArray average = biased.div((float) (1 - accumulated));
        average.attach(owner);
        return average;
    }

    void close() {
        biased.close();
    }
}
