package dev.pastiche.transfer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/** Host copies of device arrays for {@link TransferCheckpoint}. */
final class Checkpoints {

    private Checkpoints() {
    }

    /**
     * The array's values as a Java array. Read in a scope of its own: on a GPU the read goes through
     * a host copy, which would otherwise live as long as the array's (stage-long) manager.
     */
    static float[] copy(NDArray array, NDManager owner) {
        try (NDManager scope = owner.newSubManager()) {
            array.tempAttach(scope);
            return array.toFloatArray();
        }
    }
}
