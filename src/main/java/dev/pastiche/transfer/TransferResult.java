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
 */
public record TransferResult(RgbImage image, int width, int height, Losses losses, ResolvedOptions options, int iterations,
        int evaluations) {
}
