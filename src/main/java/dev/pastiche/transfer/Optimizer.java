package dev.pastiche.transfer;

import ai.djl.ndarray.NDArray;

/** An optimiser over the image, its state kept in the stage's NDManager. */
interface Optimizer {

    /**
     * One iteration from {@code x}, clamped to [0, 1] after the update (API.md).
     *
     * @return the next image, in the stage's manager (the caller closes {@code x}), or null when
     *     the optimiser has converged and further steps would change nothing
     */
    NDArray step(NDArray x, Evaluator evaluator);
}
