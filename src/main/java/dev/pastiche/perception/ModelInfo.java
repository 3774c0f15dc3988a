package dev.pastiche.perception;

import dev.pastiche.vgg.VggVariant;
import dev.pastiche.vgg.weights.WeightsInfo;
import java.util.List;

/**
 * What the extractor is and runs on.
 *
 * @param weights null while no weights are loaded
 * @param device {@code cpu} or {@code gpu:N}
 */
public record ModelInfo(VggVariant variant, String device, String contentLayer, List<String> styleLayers,
        WeightsInfo weights, boolean ready) {
}
