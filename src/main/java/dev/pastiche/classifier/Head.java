package dev.pastiche.classifier;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.util.HashMap;
import java.util.Map;

/**
 * A trained head as stored: safetensors holding the features' standardisation ({@code mean},
 * {@code std}, from the training images) and the block's parameters under their DJL names.
 *
 * @param type linear, or one hidden ReLU layer of {@code hidden} units
 * @param inputs values per feature vector
 */
record Head(HeadType type, Integer hidden, int inputs, int classes) {

    static final String MEAN = "mean";
    static final String STD = "std";

    /** The block: {@code Linear(classes)}, or {@code Linear(hidden) → ReLU → Linear(classes)}. */
    SequentialBlock block() {
        SequentialBlock block = new SequentialBlock();
        if (type == HeadType.MLP) {
            block.add(Linear.builder().setUnits(hidden).build()).add(Activation.reluBlock());
        }
        return block.add(Linear.builder().setUnits(classes).build());
    }

    /** Class probabilities (softmax) for each feature vector, computed with the stored weights. */
    float[][] probabilities(byte[] weights, float[][] features, Device device) {
        try (NDManager manager = NDManager.newBaseManager(device)) {
            NDList stored = NDList.decode(manager, weights);
            Map<String, NDArray> byName = new HashMap<>();
            stored.forEach(array -> byName.put(array.getName(), array));
            SequentialBlock block = block();
            for (Pair<String, Parameter> parameter : block.getParameters()) {
                NDArray array = byName.get(parameter.getKey());
                if (array == null) {
                    throw new IllegalStateException("the stored head lacks " + parameter.getKey());
                }
                parameter.getValue().setInitializer((m, shape, dataType) -> array);
            }
            block.initialize(manager, DataType.FLOAT32, new Shape(1, inputs));
            NDArray x = standardised(manager.create(flatten(features), new Shape(features.length, inputs)), byName.get(MEAN), byName.get(STD));
            NDArray logits = block.forward(new ParameterStore(manager, false), new NDList(x), false).singletonOrThrow();
            float[] flat = logits.softmax(1).toFloatArray();
            float[][] out = new float[features.length][];
            for (int i = 0; i < out.length; i++) {
                out[i] = java.util.Arrays.copyOfRange(flat, i * classes, (i + 1) * classes);
            }
            return out;
        }
    }

    static NDArray standardised(NDArray x, NDArray mean, NDArray std) {
        return x.sub(mean).div(std);
    }

    static float[] flatten(float[][] rows) {
        int dim = rows.length == 0 ? 0 : rows[0].length;
        float[] flat = new float[rows.length * dim];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, flat, i * dim, dim);
        }
        return flat;
    }
}
