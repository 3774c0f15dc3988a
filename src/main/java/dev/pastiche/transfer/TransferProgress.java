package dev.pastiche.transfer;

/**
 * Where a run stands after an evaluation.
 *
 * @param scale 1-based stage, of {@code scales}
 * @param iteration evaluations done in this stage, of {@code iterations}
 * @param fraction of the whole run's work, weighting each stage by its pixels
 * @param etaSeconds estimated time left; null until there is a basis for it
 */
public record TransferProgress(int scale, int scales, int iteration, int iterations, double fraction, Losses losses,
        Double etaSeconds) {
}
