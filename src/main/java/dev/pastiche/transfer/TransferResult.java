package dev.pastiche.transfer;

import dev.pastiche.image.RgbImage;

/**
 * A finished run.
 *
 * @param options the options as resolved and run, with the seed used
 * @param losses at the final image
 * @param evaluations objective evaluations spent in all stages
 */
public record TransferResult(RgbImage image, int width, int height, Losses losses, ResolvedOptions options, int evaluations) {
}
