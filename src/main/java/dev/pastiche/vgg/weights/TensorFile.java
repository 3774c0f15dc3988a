package dev.pastiche.vgg.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Set;

/** A file of named tensors (a state dict) from which single tensors are read on demand. */
interface TensorFile extends AutoCloseable {

    Set<String> keys();

    Shape shape(String key);

    /** The tensor as float32 in {@code manager}. */
    default NDArray read(String key, NDManager manager) {
        return read(key, shape(key), manager);
    }

    /** The tensor as float32 in {@code manager}, its elements in their stored order under another shape of the same size. */
    NDArray read(String key, Shape as, NDManager manager);

    @Override
    void close();
}
