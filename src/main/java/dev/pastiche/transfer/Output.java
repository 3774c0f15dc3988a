package dev.pastiche.transfer;

/**
 * What is delivered besides the optimised pixels.
 *
 * @param preserveColors the output's luminance with the content's chrominance
 * @param previewEvery iterations between previews
 */
public record Output(boolean preserveColors, int previewEvery) {
}
