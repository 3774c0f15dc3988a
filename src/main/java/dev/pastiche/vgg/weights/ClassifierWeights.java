package dev.pastiche.vgg.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A VGG's classifier (torchvision's {@code classifier.0}, {@code .3} and {@code .6}: Linear 25088→4096,
 * 4096→4096, 4096→1000) read from the same source as its convolutions. A file may name it as
 * torchvision does or as timm does ({@code vgg19.tv_in1k}, the default download): timm holds the
 * first two layers as convolutions, {@code pre_logits.fc1} a 7×7 one over the pooled 512×7×7 map
 * and {@code pre_logits.fc2} a 1×1 one, whose weights are the linear layers' reshaped (the
 * flattening order of a C×H×W map is the kernel's), and the last as {@code head.fc}.
 *
 * @param tensors by torchvision key, as linear layers' shapes, float32
 * @param layout {@code torchvision} or {@code timm} (the file's key names), or {@code random}
 */
public record ClassifierWeights(Map<String, NDArray> tensors, String layout) {

    static final int HIDDEN = 4096;
    static final int CLASSES = 1000;
    static final int POOLED = 512 * 7 * 7;

    /** torchvision's keys and shapes. */
    public static final Map<String, Shape> SHAPES = shapes();

    /** timm's key for each torchvision key, and the shape timm stores it in. */
    private static final Map<String, String> TIMM_KEYS = Map.of(
            "classifier.0.weight", "pre_logits.fc1.weight", "classifier.0.bias", "pre_logits.fc1.bias",
            "classifier.3.weight", "pre_logits.fc2.weight", "classifier.3.bias", "pre_logits.fc2.bias",
            "classifier.6.weight", "head.fc.weight", "classifier.6.bias", "head.fc.bias");
    private static final Map<String, Shape> TIMM_SHAPES = Map.of(
            "pre_logits.fc1.weight", new Shape(HIDDEN, 512, 7, 7), "pre_logits.fc1.bias", new Shape(HIDDEN),
            "pre_logits.fc2.weight", new Shape(HIDDEN, HIDDEN, 1, 1), "pre_logits.fc2.bias", new Shape(HIDDEN),
            "head.fc.weight", new Shape(CLASSES, HIDDEN), "head.fc.bias", new Shape(CLASSES));

    private static Map<String, Shape> shapes() {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        shapes.put("classifier.0.weight", new Shape(HIDDEN, POOLED));
        shapes.put("classifier.0.bias", new Shape(HIDDEN));
        shapes.put("classifier.3.weight", new Shape(HIDDEN, HIDDEN));
        shapes.put("classifier.3.bias", new Shape(HIDDEN));
        shapes.put("classifier.6.weight", new Shape(CLASSES, HIDDEN));
        shapes.put("classifier.6.bias", new Shape(CLASSES));
        return java.util.Collections.unmodifiableMap(shapes);
    }

    /** timm's key for a torchvision key of the classifier. */
    public static String timmKey(String torchvisionKey) {
        return TIMM_KEYS.get(torchvisionKey);
    }

    /** The shape timm stores a tensor in, by timm key. */
    public static Shape timmShape(String timmKey) {
        return TIMM_SHAPES.get(timmKey);
    }

    /**
     * Loads the classifier from where {@code features} came from: the same file, or, for random
     * convolutions, random layers from the same seed (He-uniform, see {@link RandomWeights#uniformTensor}).
     *
     * @throws WeightsException when the source has no usable classifier, saying why
     */
    public static ClassifierWeights load(WeightsDigest features, NDManager manager) {
        Path file = features.file();
        if (file == null) {
            long seed = features.get().seed();
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            SHAPES.forEach((key, shape) -> tensors.put(key, RandomWeights.uniformTensor(key, shape, seed, manager)));
            return new ClassifierWeights(tensors, "random");
        }
        try (TensorFile tensors = WeightsLoader.open(file, manager)) {
            boolean torchvision = SHAPES.keySet().stream().anyMatch(tensors.keys()::contains);
            boolean timm = TIMM_SHAPES.keySet().stream().anyMatch(tensors.keys()::contains);
            if (!torchvision && !timm) {
                throw new WeightsException(file + " holds no classifier (neither torchvision's classifier.0/3/6 nor timm's "
                        + "pre_logits.fc1/fc2 and head.fc): it has the convolutions only. Use a file with the whole network, "
                        + "e.g. torchvision.models.vgg19(weights=\"IMAGENET1K_V1\").state_dict() or timm's vgg19.tv_in1k");
            }
            return torchvision ? read(tensors, file, "torchvision", manager) : read(tensors, file, "timm", manager);
        }
    }

    private static ClassifierWeights read(TensorFile file, Path path, String layout, NDManager manager) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, Shape> need : SHAPES.entrySet()) {
                String key = layout.equals("timm") ? TIMM_KEYS.get(need.getKey()) : need.getKey();
                Shape stored = layout.equals("timm") ? TIMM_SHAPES.get(key) : need.getValue();
                if (!file.keys().contains(key)) {
                    throw new WeightsException(path + " has part of a classifier in " + layout + "'s names but no '" + key + "'");
                }
                if (!file.shape(key).equals(stored)) {
                    throw new WeightsException("'" + key + "' in " + path + " has shape " + file.shape(key) + " but an ImageNet "
                            + "VGG classifier needs " + stored + " (1000 classes)");
                }
                // timm's convolution kernels read straight into the linear layers' shapes
                out.put(need.getKey(), file.read(key, need.getValue(), manager));
            }
        } catch (RuntimeException e) {
            out.values().forEach(NDArray::close);
            throw e;
        }
        return new ClassifierWeights(out, layout);
    }
}
