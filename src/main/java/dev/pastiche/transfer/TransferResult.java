package dev.pastiche.transfer;

import dev.pastiche.image.RgbImage;
import dev.pastiche.perception.Losses;

/**
 * A finished run.
 *
 * @param options the options as resolved and run, with the seed used
 * @param losses of the delivered image, after colour handling and rounding to 8 bits
 * @param iterations optimiser iterations run in all stages
 * @param evaluations objective evaluations spent in all stages
 * @param resumed where the run went on from a checkpoint, or null when it ran from the start
 */
public record TransferResult(RgbImage image, int width, int height, Losses losses, ResolvedOptions options, int iterations,
        int evaluations, Resumption resumed) {

    /**
     * A run that went on from a checkpoint.
     *
     * @param stage 1-based stage it resumed in
     * @param iteration iterations of that stage already done
     * @param iterationsBefore iterations of the whole run already done
     * @param resumes how many times the run has resumed, this one included
     * @param historyRestarted whether the optimiser's history restarted there (L-BFGS keeps none in a checkpoint)
     */
    public record Resumption(int stage, int iteration, int iterationsBefore, int resumes, boolean historyRestarted) {
    }
}
