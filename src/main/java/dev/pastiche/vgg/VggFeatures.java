package dev.pastiche.vgg;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.pastiche.vgg.VggVariant.FeatureLayer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * torchvision's {@code features} sequential of a VGG as a DJL block: 3×3 convolutions (padding 1),
 * optional batch norm, ReLU, and 2×2 max pools. It may be cut short after any layer, so a feature
 * extractor never builds or loads more than its deepest tap needs.
 */
public final class VggFeatures extends AbstractBlock {

    private final VggVariant variant;
    private final List<Block> layers = new ArrayList<>();

    /**
     * @param depth how many layers of {@code features} to build, from the first
     */
    public VggFeatures(VggVariant variant, int depth) {
        List<FeatureLayer> specs = variant.featureLayers();
        if (depth < 1 || depth > specs.size()) {
            throw new IllegalArgumentException("depth must be 1.." + specs.size() + " for " + variant.id());
        }
        this.variant = variant;
        for (FeatureLayer spec : specs.subList(0, depth)) {
            layers.add(addChildBlock(spec.torchvisionName(), layerBlock(spec)));
        }
    }

    /** The whole {@code features} sequential. */
    public static VggFeatures full(VggVariant variant) {
        return new VggFeatures(variant, variant.featureLayers().size());
    }

    /** The layers up to and including the ReLU of {@code deepestTap}. */
    public static VggFeatures upTo(VggVariant variant, String deepestTap) {
        return new VggFeatures(variant, variant.tapIndex(deepestTap) + 1);
    }

    public VggVariant variant() {
        return variant;
    }

    public int depth() {
        return layers.size();
    }

    private static Block layerBlock(FeatureLayer spec) {
        return switch (spec.kind()) {
            case CONV -> Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1))
                    .setFilters(spec.outChannels()).build();
            // torchvision's BatchNorm2d defaults: eps 1e-5
            case BATCHNORM -> BatchNorm.builder().optEpsilon(1e-5f).build();
            case RELU -> Activation.reluBlock();
            case MAXPOOL -> Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2));
            default -> throw new IllegalStateException("not a features layer: " + spec.kind());
        };
    }

    /** Parameters by their torchvision key ({@code features.N.weight}, {@code features.N.running_mean}, …). */
    public Map<String, Parameter> torchvisionParameters() {
        Map<String, Parameter> named = new LinkedHashMap<>();
        for (int i = 0; i < layers.size(); i++) {
            for (Parameter p : layers.get(i).getParameters().values()) {
                named.put("features." + i + "." + TorchvisionNames.of(p), p);
            }
        }
        return named;
    }

    /** The shape of every parameter by torchvision key, known before anything is initialised. */
    public Map<String, Shape> torchvisionShapes() {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        for (FeatureLayer spec : variant.featureLayers().subList(0, layers.size())) {
            String prefix = spec.torchvisionName() + ".";
            long c = spec.outChannels();
            switch (spec.kind()) {
                case CONV -> {
                    shapes.put(prefix + "weight", new Shape(c, spec.inChannels(), 3, 3));
                    shapes.put(prefix + "bias", new Shape(c));
                }
                case BATCHNORM -> {
                    for (String name : new String[] {"weight", "bias", "running_mean", "running_var"}) {
                        shapes.put(prefix + name, new Shape(c));
                    }
                }
                default -> {
                }
            }
        }
        return shapes;
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        NDList current = inputs;
        for (Block layer : layers) {
            NDList next = layer.forward(store, current, training, params);
            if (current != inputs) {
                current.close();
            }
            current = next;
        }
        return current;
    }

    /** {@link #forwardTaps(ParameterStore, NDArray, Collection, boolean)} with the network's own max pools. */
    public Map<String, NDArray> forwardTaps(ParameterStore store, NDArray input, Collection<String> taps) {
        return forwardTaps(store, input, taps, false);
    }

    /**
     * One forward pass that returns the named post-ReLU taps. It stops at the deepest tap asked for
     * and closes every other activation as soon as the next layer has read it, which halves peak
     * memory at large sizes (ARCHITECTURE.md).
     *
     * @param averagePooling replaces every 2×2 max pool by a 2×2 average pool, as Gatys et al. did
     *     for image synthesis ("Image Style Transfer Using CNNs", §2: "slightly more appealing results")
     */
    public Map<String, NDArray> forwardTaps(ParameterStore store, NDArray input, Collection<String> taps, boolean averagePooling) {
        TreeMap<Integer, String> wanted = new TreeMap<>();
        for (String tap : taps) {
            wanted.put(variant.tapIndex(tap), tap);
        }
        if (wanted.isEmpty()) {
            return Map.of();
        }
        if (wanted.lastKey() >= layers.size()) {
            throw new IllegalArgumentException(wanted.lastEntry().getValue() + " lies beyond the " + layers.size()
                    + " layers this extractor was built with");
        }
        Map<String, NDArray> out = new LinkedHashMap<>();
        NDArray x = input;
        // the input belongs to the caller and taps to the result: neither may be closed here
        boolean keep = true;
        for (int i = 0; i <= wanted.lastKey(); i++) {
            NDArray y = averagePooling && variant.featureLayers().get(i).kind() == LayerKind.MAXPOOL
                    // torch's nn.AvgPool2d(2, 2): floor mode like the max pools it replaces, no padding
                    ? Pool.avgPool2d(x, new Shape(2, 2), new Shape(2, 2), new Shape(0, 0), false, true)
                    : layers.get(i).forward(store, new NDList(x), false).singletonOrThrow();
            if (!keep) {
                x.close();
            }
            String tap = wanted.get(i);
            if (tap != null) {
                out.put(tap, y);
            }
            keep = tap != null;
            x = y;
        }
        return out;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape[] shapes = inputShapes;
        for (Block layer : layers) {
            shapes = layer.getOutputShapes(shapes);
        }
        return shapes;
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape[] shapes = inputShapes;
        for (Block layer : layers) {
            layer.initialize(manager, dataType, shapes);
            shapes = layer.getOutputShapes(shapes);
        }
    }
}
