package dev.pastiche.transfer;

import dev.pastiche.perception.Losses;

/**
 * Where a run stands after an iteration.
 *
 * @param scale 1-based stage, of {@code scales}
 * @param iteration optimiser iterations done in this stage, of {@code iterations} (this stage's)
 * @param evaluations objective evaluations (forward and backward passes) of the whole run so far
 * @param fraction of the whole run's work, weighting each stage by its pixels and iterations
 * @param losses at the current iterate
 * @param etaSeconds estimated time left; null until there is a basis for it
 */
public record TransferProgress(int scale, int scales, int iteration, int iterations, int evaluations, double fraction,
        Losses losses, Double etaSeconds) {
}
