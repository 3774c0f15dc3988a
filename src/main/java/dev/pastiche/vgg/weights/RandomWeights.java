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
        float[] chunk = new float[Math.min(values.capacity(), 1 << 16)];
        while (values.hasRemaining()) {
            int n = Math.min(chunk.length, values.remaining());
            for (int i = 0; i < n; i++) {
                chunk[i] = (float) (random.nextGaussian() * std);
            }
            values.put(chunk, 0, n);
        }
        return manager.create(data, shape, DataType.FLOAT32);
    }

    /**
     * He-uniform instead of He-normal ((u − ½)·√12·std, the same variance), with zero biases: for the
     * classifier's 123.6 M values, which Java draws seven times faster uniform than normal.
     */
    static NDArray uniformTensor(String key, Shape shape, long seed, NDManager manager) {
        if (shape.dimension() == 1) {
            return manager.zeros(shape);
        }
        double half = Math.sqrt(12.0) * Math.sqrt(2.0 / (shape.size() / shape.get(0))) / 2;
        SplittableRandom random = new SplittableRandom(seed * 1_000_003L + key.hashCode());
        ByteBuffer data = ByteBuffer.allocateDirect(Math.toIntExact(4 * shape.size())).order(ByteOrder.nativeOrder());
        FloatBuffer values = data.asFloatBuffer();
        float[] chunk = new float[Math.min(values.capacity(), 1 << 16)];
        while (values.hasRemaining()) {
            int n = Math.min(chunk.length, values.remaining());
            for (int i = 0; i < n; i++) {
                chunk[i] = (float) (random.nextDouble(-half, half));
            }
            values.put(chunk, 0, n);
        }
        return manager.create(data, shape, DataType.FLOAT32);
    }
}
