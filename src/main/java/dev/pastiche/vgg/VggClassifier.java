package dev.pastiche.vgg;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import java.util.Map;

/**
 * torchvision's VGG after its last convolution, in evaluation mode: the last 2×2 max pool
 * ({@code block5_pool}), the 7×7 adaptive average pool, the flattening, and the {@code classifier}
 * (Linear 4096, ReLU, Dropout, Linear 4096, ReLU, Dropout, Linear 1000; dropout is the identity
 * when evaluating). The weights are the caller's, by torchvision key ({@code classifier.0.weight} …).
 * fc7 is the second linear layer's ReLU output, the 4096 features transfer learning reads.
 */
public final class VggClassifier {

    /** The classifier's input: 512 channels pooled to 7×7, at any input size. */
    public static final int POOLED_FEATURES = 512 * VggArchitecture.POOLED_SIZE * VggArchitecture.POOLED_SIZE;

    private VggClassifier() {
    }

    /**
     * @param lastTap the last convolution's post-ReLU activations (N, 512, H, W): {@code block5_conv4} of VGG19
     * @return (N, 25088), in the tap's manager
     */
    public static NDArray pooled(NDArray lastTap) {
        // torch's MaxPool2d(2, 2): floor mode, no padding
        try (NDArray pooled = Pool.maxPool2d(lastTap, new Shape(2, 2), new Shape(2, 2), new Shape(0, 0), false)) {
            NDArray grid = Vgg.adaptiveAvgPool(pooled, VggArchitecture.POOLED_SIZE);
            NDArray flat = grid.reshape(grid.getShape().get(0), -1);
            if (grid != pooled) {
                grid.close();
            }
            return flat;
        }
    }

    /** fc7: ReLU(fc2(ReLU(fc1(pooled)))), (N, 4096). */
    public static NDArray fc7(NDArray pooled, Map<String, NDArray> weights) {
        try (NDArray fc6 = relu(linear(pooled, weights, 0))) {
            return relu(linear(fc6, weights, 3));
        }
    }

    /** The 1000 class scores before the softmax, (N, 1000). */
    public static NDArray logits(NDArray fc7, Map<String, NDArray> weights) {
        return linear(fc7, weights, 6);
    }

    private static NDArray linear(NDArray x, Map<String, NDArray> weights, int index) {
        return Linear.linear(x, weights.get("classifier." + index + ".weight"), weights.get("classifier." + index + ".bias"))
                .singletonOrThrow();
    }

    private static NDArray relu(NDArray x) {
        try (x) {
            return x.maximum(0f);
        }
    }
}
