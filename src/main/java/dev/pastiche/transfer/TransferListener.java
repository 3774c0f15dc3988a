package dev.pastiche.transfer;

import dev.pastiche.image.RgbImage;

/** Receives a run's progress; called on the optimising thread, so implementations must be quick. */
public interface TransferListener {

    /**
     * After an iteration, at most every {@link #progressIntervalNanos()} (and at the end of every
     * stage): reading the losses back from the device is what it costs.
     */
    default void progress(TransferProgress progress) {
    }

    /** Every {@code previewEvery} iterations, with the image as it would be delivered now. */
    default void preview(RgbImage image, TransferProgress progress) {
    }

    /** The least time between two progress calls; 0 for every iteration. */
    default long progressIntervalNanos() {
        return 0;
    }

    /**
     * Asked after every iteration whether to store a {@link TransferCheckpoint} now, {@code sinceLastNanos}
     * after the last one (or after the run started): only then is the state copied off the device.
     */
    default boolean checkpointDue(long sinceLastNanos) {
        return false;
    }

    /** Stores a checkpoint; it may throw to stop the run once the checkpoint is safe (a worker that is stopping). */
    default void checkpoint(TransferCheckpoint checkpoint) {
    }

    TransferListener NONE = new TransferListener() {
        @Override
        public long progressIntervalNanos() {
            return Long.MAX_VALUE;
        }
    };
}
