package dev.pastiche.transfer;

import ai.djl.ndarray.NDArray;
import dev.pastiche.perception.LossTerms;

/** An optimiser over the image, its state kept in the stage's NDManager. */
interface Optimizer {

    /**
     * One optimiser iteration from {@code x}; the result lies in [0, 1] (API.md).
     *
     * @return the next image, in the stage's manager (the caller closes {@code x}), or null when
     *     the optimiser has stopped (converged, or out of evaluations) and further steps would change nothing
     */
    NDArray step(NDArray x, Evaluator evaluator);

    /** The loss terms of the iterate this iteration reports, still on the device. */
    LossTerms losses();
}
