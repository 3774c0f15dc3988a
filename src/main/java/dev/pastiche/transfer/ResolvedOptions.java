package dev.pastiche.transfer;

import java.util.List;

/**
 * Options with every default filled in and the seed chosen: what a run used, enough to repeat it.
 *
 * @param styleWeights one per style, normalised to sum to 1
 * @param deadlineSeconds 0 for none
 */
public record ResolvedOptions(int size, int iterations, OptimizerType optimizer, double learningRate,
        double contentWeight, double styleWeight, double tvWeight, List<Double> styleWeights, double styleScale,
        InitMode init, long seed, boolean preserveColors, int scales, int minSize, String contentLayer,
        List<String> styleLayers, int previewEvery, long deadlineSeconds, boolean downscaleToFit) {

    ResolvedOptions withSize(int newSize) {
        return new ResolvedOptions(newSize, iterations, optimizer, learningRate, contentWeight, styleWeight, tvWeight,
                styleWeights, styleScale, init, seed, preserveColors, scales, Math.min(minSize, newSize), contentLayer,
                styleLayers, previewEvery, deadlineSeconds, downscaleToFit);
    }

    /** The same run as options a user could send: resolving them again gives back these. */
    public TransferOptions toOptions() {
        return new TransferOptions(size, iterations, optimizer, learningRate, contentWeight, styleWeight, tvWeight, styleWeights,
                styleScale, init, seed, preserveColors, scales, minSize, contentLayer, styleLayers, previewEvery,
                deadlineSeconds == 0 ? null : deadlineSeconds, downscaleToFit);
    }
}
