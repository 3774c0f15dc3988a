package dev.pastiche.vgg.weights;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/** Tensors by torchvision key, exactly the ones asked for, and where they came from. */
public record LoadedWeights(Map<String, NDArray> tensors, WeightsInfo info) {
}
