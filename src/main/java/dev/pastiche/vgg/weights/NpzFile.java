package dev.pastiche.vgg.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** A numpy {@code .npz} state dict (as written by {@code numpy.savez}), decoded whole by DJL. */
final class NpzFile implements TensorFile {

    private final NDManager scratch;
    private final Map<String, NDArray> arrays = new LinkedHashMap<>();

    NpzFile(Path path, NDManager parent) {
        scratch = parent.newSubManager();
        try (InputStream in = Files.newInputStream(path)) {
            NDList list = NDList.decode(scratch, in);
            for (NDArray array : list) {
                arrays.put(array.getName(), array);
            }
        } catch (IOException | RuntimeException e) {
            scratch.close();
            throw new WeightsException("cannot read " + path + " as npz: " + e.getMessage(), e);
        }
    }

    @Override
    public Set<String> keys() {
        return arrays.keySet();
    }

    @Override
    public Shape shape(String key) {
        return arrays.get(key).getShape();
    }

    @Override
    public NDArray read(String key, Shape as, NDManager manager) {
        NDArray source = arrays.get(key);
        // a real copy: the decoded array's memory is a direct buffer freed once the scratch closes,
        // and DJL's toType(same type, copy=true) aliases it rather than copying
        NDArray array = source.getDataType() == DataType.FLOAT32 ? source.duplicate() : source.toType(DataType.FLOAT32, false);
        if (!as.equals(array.getShape())) {
            // a copy already: the view keeps its storage alive
            NDArray reshaped = array.reshape(as);
            array.close();
            array = reshaped;
        }
        array.attach(manager);
        return array;
    }

    @Override
    public void close() {
        scratch.close();
    }
}
