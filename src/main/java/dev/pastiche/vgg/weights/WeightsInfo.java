package dev.pastiche.vgg.weights;

/**
 * What the served numbers were computed with; reported in {@code /v1/models} and every score.
 *
 * @param source {@code file}, {@code download} or {@code random}
 * @param sha256 of the weights file; null for {@code random}
 * @param seed the seed of {@code random} weights; null otherwise
 */
public record WeightsInfo(String source, boolean pretrained, String sha256, Long seed) {

    public static WeightsInfo random(long seed) {
        return new WeightsInfo("random", false, null, seed);
    }
}
