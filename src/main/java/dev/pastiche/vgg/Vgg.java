package dev.pastiche.vgg;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A whole torchvision VGG classifier: {@code features}, a 7×7 adaptive average pool, and the
 * {@code classifier} sequential (Linear 4096, ReLU, Dropout, Linear 4096, ReLU, Dropout, Linear 1000).
 * Pastiche's extractor only ever builds {@link VggFeatures}; this block exists so the family is
 * complete and its parameter names and counts can be checked against torchvision.
 */
public final class Vgg extends AbstractBlock {

    private final VggFeatures features;
    private final List<Block> classifier = new ArrayList<>();

    public Vgg(VggVariant variant) {
        features = addChildBlock("features", VggFeatures.full(variant));
        int hidden = VggArchitecture.HIDDEN;
        Block[] layers = {
            Linear.builder().setUnits(hidden).build(), Activation.reluBlock(), Dropout.builder().optRate(0.5f).build(),
            Linear.builder().setUnits(hidden).build(), Activation.reluBlock(), Dropout.builder().optRate(0.5f).build(),
            Linear.builder().setUnits(VggArchitecture.CLASSES).build(),
        };
        for (int i = 0; i < layers.length; i++) {
            classifier.add(addChildBlock("classifier." + i, layers[i]));
        }
    }

    public VggFeatures features() {
        return features;
    }

    /** Every parameter by its torchvision key. */
    public Map<String, Parameter> torchvisionParameters() {
        Map<String, Parameter> named = new LinkedHashMap<>(features.torchvisionParameters());
        for (int i = 0; i < classifier.size(); i++) {
            for (Parameter p : classifier.get(i).getParameters().values()) {
                named.put("classifier." + i + "." + TorchvisionNames.of(p), p);
            }
        }
        return named;
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = features.forward(store, inputs, training, params).singletonOrThrow();
        NDArray pooled = adaptiveAvgPool(x, VggArchitecture.POOLED_SIZE);
        NDList current = new NDList(pooled.reshape(pooled.getShape().get(0), -1));
        for (Block layer : classifier) {
            current = layer.forward(store, current, training, params);
        }
        return current;
    }

    /** torch's {@code adaptive_avg_pool2d}: output cell i covers rows floor(i·H/n) to ceil((i+1)·H/n). */
    static NDArray adaptiveAvgPool(NDArray x, int n) {
        long h = x.getShape().get(2);
        long w = x.getShape().get(3);
        if (h == n && w == n) {
            return x;
        }
        List<NDArray> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long h0 = Math.floorDiv(i * h, n);
            long h1 = -Math.floorDiv(-(i + 1) * h, n);
            List<NDArray> cells = new ArrayList<>();
            for (int j = 0; j < n; j++) {
                long w0 = Math.floorDiv(j * w, n);
                long w1 = -Math.floorDiv(-(j + 1) * w, n);
                // PyTorch engine: one axis per mean
                cells.add(x.get(new NDIndex(":, :, {}:{}, {}:{}", h0, h1, w0, w1)).mean(new int[] {3}).mean(new int[] {2}));
            }
            rows.add(NDArrays.stack(new NDList(cells), 2));
        }
        return NDArrays.stack(new NDList(rows), 2);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), VggArchitecture.CLASSES)};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        features.initialize(manager, dataType, inputShapes);
        Shape[] shapes = {new Shape(inputShapes[0].get(0), 512L * VggArchitecture.POOLED_SIZE * VggArchitecture.POOLED_SIZE)};
        for (Block layer : classifier) {
            layer.initialize(manager, dataType, shapes);
            shapes = layer.getOutputShapes(shapes);
        }
    }
}
