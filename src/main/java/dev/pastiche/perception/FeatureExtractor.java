package dev.pastiche.perception;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.pastiche.vgg.VggFeatures;
import dev.pastiche.vgg.VggVariant;
import dev.pastiche.vgg.weights.LoadedWeights;
import dev.pastiche.vgg.weights.WeightsDigest;
import dev.pastiche.vgg.weights.WeightsException;
import dev.pastiche.vgg.weights.WeightsInfo;
import dev.pastiche.vgg.weights.WeightsLoader;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The frozen VGG: weights loaded once into its own NDManager, eval mode, no parameter gradients
 * (gradients flow to an input that asks for them, as style transfer's does), several taps per
 * forward pass. Thread-safe: every call works in a scope of its caller's and shares nothing mutable.
 */
public final class FeatureExtractor implements AutoCloseable {

    /** ImageNet statistics torchvision's VGGs were trained with (API.md). */
    private static final float[] MEAN = {0.485f, 0.456f, 0.406f};
    private static final float[] STD = {0.229f, 0.224f, 0.225f};

    private final NDManager manager;
    private final VggFeatures features;
    private final WeightsDigest weights;
    private final NDArray mean;
    private final NDArray std;

    private FeatureExtractor(NDManager manager, VggFeatures features, WeightsDigest weights, float[] mean, float[] std) {
        this.manager = manager;
        this.features = features;
        this.weights = weights;
        this.mean = manager.create(mean, new Shape(1, 3, 1, 1));
        this.std = manager.create(std, new Shape(1, 3, 1, 1));
    }

    /**
     * Builds the variant's layers up to its deepest tap (the classifier is never built or loaded)
     * and installs the weights into them.
     */
    static FeatureExtractor load(VggVariant variant, WeightsLoader loader, Device device) {
        return load(variant, loader, device, MEAN, STD);
    }

    /** {@link #load(VggVariant, WeightsLoader, Device)} with the input normalised by another {@code (x − mean) / std} of the [0, 1] image. */
    static FeatureExtractor load(VggVariant variant, WeightsLoader loader, Device device, float[] mean, float[] std) {
        List<String> taps = variant.tapNames();
        VggFeatures features = VggFeatures.upTo(variant, taps.get(taps.size() - 1));
        NDManager manager = NDManager.newBaseManager(device);
        try {
            LoadedWeights loaded = loader.load(features.torchvisionShapes(), manager);
            for (Map.Entry<String, Parameter> entry : features.torchvisionParameters().entrySet()) {
                NDArray array = loaded.tensors().get(entry.getKey());
                entry.getValue().setInitializer((m, shape, type) -> {
                    if (!shape.equals(array.getShape())) {
                        throw new WeightsException(entry.getKey() + " has shape " + array.getShape() + "; expected " + shape);
                    }
                    return array;
                });
            }
            features.freezeParameters(true);
            features.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 224, 224));
            return new FeatureExtractor(manager, features, loaded.digest(), mean, std);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    public VggVariant variant() {
        return features.variant();
    }

    /** The deepest tap, the last convolution's (post-ReLU): the network's last pool follows it. */
    public String deepestTap() {
        List<String> taps = features.variant().tapNames();
        return taps.get(taps.size() - 1);
    }

    /** Where the weights came from, with their SHA-256 (waits for it when it is still being computed). */
    public WeightsInfo weights() {
        return weights.get();
    }

    /** Where the weights came from, for loading more of the same network (its classifier) from there. */
    public WeightsDigest weightsDigest() {
        return weights;
    }

    /** Starts computing the weights' SHA-256 in the background if it is still pending. */
    public void startDigest() {
        weights.start();
    }

    /** {@code file}, {@code download} or {@code random}, without waiting for the digest. */
    public String weightsSource() {
        return weights.source();
    }

    public boolean pretrained() {
        return weights.pretrained();
    }

    public Device device() {
        return manager.getDevice();
    }

    /** A scope for one call's arrays; close it to free them all. */
    public NDManager newScope() {
        return manager.newSubManager();
    }

    /** Arrays alive in the extractor and all open scopes: what a leak would make grow. */
    public int liveArrays() {
        return manager.getManagedArrays().size();
    }

    /**
     * @param images a batch (N, 3, H, W) of [0, 1] sRGB values in a caller's scope
     * @return the post-ReLU taps, in the caller's scope
     */
    public Map<String, NDArray> taps(NDArray images, Collection<String> taps) {
        return taps(images, taps, Pooling.MAX);
    }

    /** {@link #taps(NDArray, Collection)} through the network with its pools of the given kind. */
    public Map<String, NDArray> taps(NDArray images, Collection<String> taps, Pooling pooling) {
        NDArray normalised = images.sub(mean).div(std);
        // one store per call: ParameterStore's lazy caches are not safe to share between threads
        Map<String, NDArray> out = features.forwardTaps(new ParameterStore(manager, false), normalised, taps, pooling == Pooling.AVG);
        // taps are layer outputs, never the input itself
        normalised.close();
        return out;
    }

    @Override
    public void close() {
        manager.close();
    }
}
