package dev.pastiche.classify;

import dev.pastiche.vgg.weights.WeightsInfo;
import java.util.List;

/**
 * The most probable ImageNet classes of one image.
 *
 * @param predictions most probable first
 * @param classifier where the classifier's weights came from
 */
public record Classification(List<Prediction> predictions, String variant, WeightsInfo weights, ClassifierInfo classifier) {

    /** @param probability the softmax of the 1000 class scores */
    public record Prediction(int index, String wnid, String label, double probability) {
    }

    /**
     * @param keys {@code torchvision} or {@code timm} (the weights file's names for the classifier), or {@code random}
     * @param pretrained false for random weights, whose predictions mean nothing
     */
    public record ClassifierInfo(String keys, boolean pretrained) {
    }
}
