package dev.pastiche.transfer;

import dev.pastiche.image.RgbImage;

/** Receives a run's progress; called on the optimising thread, so implementations must be quick. */
public interface TransferListener {

    /** After every objective evaluation. */
    default void progress(TransferProgress progress) {
    }

    /** Every {@code previewEvery} iterations, with the current image (colours preserved if asked). */
    default void preview(RgbImage image, TransferProgress progress) {
    }

    TransferListener NONE = new TransferListener() {
    };
}
