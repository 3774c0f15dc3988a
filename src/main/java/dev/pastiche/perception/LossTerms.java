package dev.pastiche.perception;

import ai.djl.ndarray.NDArray;

/**
 * The loss terms at a point, still on the device: reading them back costs a synchronisation on a
 * GPU, so optimisers that need no loss (Adam) leave them there until progress is published.
 */
public final class LossTerms {

    private final NDArray values;
    private Losses read;

    /** @param values total, content, style and tv, in that order */
    LossTerms(NDArray values) {
        this.values = values;
    }

    /** The weighted total, read back alone. */
    public double total() {
        return read != null ? read.total() : values.getFloat(0);
    }

    /** All four terms, read back once. */
    public Losses read() {
        if (read == null) {
            float[] v = values.toFloatArray();
            read = new Losses(v[0], v[1], v[2], v[3]);
        }
        return read;
    }

    /** The device array, to move it to a longer-lived scope. */
    public NDArray array() {
        return values;
    }
}
