package dev.pastiche.vgg.weights;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/**
 * Tensors by torchvision key, exactly the ones asked for, and where they came from.
 *
 * @param digest their {@link WeightsInfo}, whose SHA-256 may still be pending
 */
public record LoadedWeights(Map<String, NDArray> tensors, WeightsDigest digest) {

    static LoadedWeights known(Map<String, NDArray> tensors, WeightsInfo info) {
        return new LoadedWeights(tensors, WeightsDigest.known(info));
    }

    static LoadedWeights known(Map<String, NDArray> tensors, WeightsInfo info, java.nio.file.Path file) {
        return new LoadedWeights(tensors, WeightsDigest.known(info, file));
    }

    /** Where the weights came from, with their digest; waits for it if need be. */
    public WeightsInfo weightsInfo() {
        return digest.get();
    }
}
