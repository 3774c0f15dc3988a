package dev.pastiche.vgg.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;

/**
 * Untrained, reproducible weights: He-normal convolutions (std √(2/fan-in), He et al. 2015, which
 * keeps activations at a usable scale through 16 ReLU layers), zero biases, identity batch norm.
 * Each tensor has its own stream seeded from the seed and its key, so the same seed gives the same
 * network whatever subset of layers is built. For tests and offline demos only.
 */
final class RandomWeights {

    private RandomWeights() {
    }

    static NDArray tensor(String key, Shape shape, long seed, NDManager manager) {
        if (key.endsWith(".running_var") || (shape.dimension() == 1 && key.endsWith(".weight"))) {
            return manager.ones(shape);
        }
        if (shape.dimension() == 1) {
            return manager.zeros(shape);
        }
        long fanIn = shape.size() / shape.get(0);
        double std = Math.sqrt(2.0 / fanIn);
        SplittableRandom random = new SplittableRandom(seed * 1_000_003L + key.hashCode());
        // straight into native memory: the classifier's first layer (103 M values) would not fit a small heap
        ByteBuffer data = ByteBuffer.allocateDirect(Math.toIntExact(4 * shape.size())).order(ByteOrder.nativeOrder());
        FloatBuffer values = data.asFloatBuffer();
        while (values.hasRemaining()) {
            values.put((float) (random.nextGaussian() * std));
        }
        return manager.create(data, shape, DataType.FLOAT32);
    }
}
