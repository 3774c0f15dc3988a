package dev.pastiche.classifier;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.pooling.Pool;
import dev.pastiche.classify.EvalTransform;
import dev.pastiche.classify.ImageNetClassifier;
import dev.pastiche.image.ImageOps;
import dev.pastiche.image.RgbImage;
import dev.pastiche.perception.FeatureExtractor;
import dev.pastiche.perception.ImageTensors;
import dev.pastiche.perception.ModelUnavailableException;
import dev.pastiche.perception.PerceptionModel;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * The frozen network's features for a head: each image resized to {@code input-size}² (its aspect
 * ratio not kept, as Keras's directory loaders do), normalised as every input is (API.md), through
 * the network to the feature layer; for {@code fc7}, torchvision's evaluation crop through the whole
 * network's first two fully connected layers. No gradients: extraction may run beside a style transfer.
 */
@Component
class Features {

    private final PerceptionModel model;
    private final ImageNetClassifier classifier;
    private final ClassifiersProperties properties;

    Features(PerceptionModel model, ImageNetClassifier classifier, ClassifiersProperties properties) {
        this.model = model;
        this.classifier = classifier;
        this.properties = properties;
    }

    /**
     * Whether the layer can be served now (for {@code fc7}, loading the ImageNet classifier if it is not yet).
     *
     * @throws ModelUnavailableException when it cannot: no extractor, or {@code fc7} without the ImageNet classifier
     */
    void check(FeatureLayer layer) {
        model.extractor();
        if (layer == FeatureLayer.FC7 && !classifier.available()) {
            throw new ModelUnavailableException("featureLayer fc7 needs the ImageNet classifier, which is unavailable ("
                    + classifier.unavailableReason() + "); use featureLayer block5_pool");
        }
    }

    /** One feature vector per image, in order. */
    float[][] extract(List<RgbImage> images, FeatureLayer layer) {
        check(layer);
        if (layer == FeatureLayer.FC7) {
            // the classifier needs the 224² it was trained on: torchvision's evaluation crop, as classifications use
            return classifier.fc7(images.stream().map(EvalTransform::apply).toList());
        }
        FeatureExtractor extractor = model.extractor();
        int side = properties.inputSize();
        RgbImage[] resized = images.stream().map(image -> ImageOps.resize(image, side, side)).toArray(RgbImage[]::new);
        float[][] out = new float[images.size()][];
        try (NDManager scope = extractor.newScope()) {
            NDArray batch = ImageTensors.batch(scope, resized);
            // the extractor stops at its deepest tap (block5_conv4 in VGG19, post-ReLU); block5_pool is the 2×2 max pool after it
            String last = extractor.deepestTap();
            NDArray conv = extractor.taps(batch, List.of(last)).get(last);
            NDArray pool = Pool.maxPool2d(conv, new Shape(2, 2), new Shape(2, 2), new Shape(0, 0), false);
            // global average pooling: one value per channel whatever the input size
            Shape shape = pool.getShape();
            float[] flat = pool.reshape(shape.get(0), shape.get(1), -1).mean(new int[] {2}).toFloatArray();
            int dim = flat.length / images.size();
            for (int i = 0; i < out.length; i++) {
                out[i] = java.util.Arrays.copyOfRange(flat, i * dim, (i + 1) * dim);
            }
        }
        return out;
    }
}
