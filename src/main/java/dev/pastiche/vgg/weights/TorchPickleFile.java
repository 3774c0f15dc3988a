package dev.pastiche.vgg.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.Unpickler;

/**
 * A state dict written by {@code torch.save}: the zip format of PyTorch 1.6+ ({@code archive/data.pkl}
 * beside one entry per storage) and the legacy format before it (a pickle of the object, a pickle of
 * the storage keys, then each storage's bytes in that order). torchvision's {@code vgg16-397923af.pth}
 * and the lpips package's {@code weights/v0.1/vgg.pth} are legacy files, so both are read.
 *
 * <p>Only what a state dict of float tensors holds is understood: an (ordered) dict of
 * {@code _rebuild_tensor_v2} tensors over float, double or half storages. Nothing in the pickle can
 * run code: Pyrolite turns any other global it names into an inert dict, which is then refused.
 */
final class TorchPickleFile implements TensorFile {

    /** {@code torch.serialization}'s legacy magic number, the first pickle of a legacy file. */
    private static final BigInteger LEGACY_MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
    /** PROTO 2, LONG1 of 10 bytes, then the magic number little-endian: how every legacy file begins. */
    private static final byte[] LEGACY_PREFIX = {(byte) 0x80, 2, (byte) 0x8a, 10, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46,
            (byte) 0xf9, 0x20, 0x6a, (byte) 0xa8, 0x50, 0x19};

    private final Map<String, Tensor> tensors = new LinkedHashMap<>();

    TorchPickleFile(Path path) {
        try {
            if (isZip(path)) {
                readZip(path);
            } else {
                readLegacy(path);
            }
        } catch (IOException | PickleException | ClassCastException | IllegalArgumentException e) {
            throw new WeightsException("cannot read " + path + " as a torch.save state dict: " + e.getMessage(), e);
        }
    }

    /** True when {@code path} is a torch.save zip archive (it holds a data.pkl), not an npz. */
    static boolean isTorchZip(Path path) {
        try (ZipFile zip = new ZipFile(path.toFile())) {
            return zip.stream().anyMatch(e -> e.getName().endsWith("/data.pkl") || e.getName().equals("data.pkl"));
        } catch (IOException e) {
            return false;
        }
    }

    /** True when {@code path} starts as torch.save's legacy format does: its magic number pickled with protocol 2. */
    static boolean isLegacy(Path path) {
        try (InputStream in = Files.newInputStream(path)) {
            return Arrays.equals(in.readNBytes(LEGACY_PREFIX.length), LEGACY_PREFIX);
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean isZip(Path path) throws IOException {
        try (InputStream in = Files.newInputStream(path)) {
            byte[] magic = in.readNBytes(2);
            return magic.length == 2 && magic[0] == 'P' && magic[1] == 'K';
        }
    }

    private void readZip(Path path) throws IOException {
        try (ZipFile zip = new ZipFile(path.toFile())) {
            ZipEntry pickle = zip.stream().filter(e -> e.getName().endsWith("data.pkl")).findFirst()
                    .orElseThrow(() -> new IOException("no data.pkl in the archive"));
            String prefix = pickle.getName().substring(0, pickle.getName().length() - "data.pkl".length());
            Map<?, ?> dict;
            try (InputStream in = zip.getInputStream(pickle)) {
                dict = stateDict(new TorchUnpickler().load(in));
            }
            Map<String, byte[]> storages = new HashMap<>();
            for (Map.Entry<?, ?> entry : dict.entrySet()) {
                TensorRef ref = tensorRef(entry);
                byte[] bytes = storages.get(ref.storage().key());
                if (bytes == null) {
                    ZipEntry data = zip.getEntry(prefix + "data/" + ref.storage().key());
                    if (data == null) {
                        throw new IOException("storage " + ref.storage().key() + " of '" + entry.getKey() + "' is missing");
                    }
                    try (InputStream in = zip.getInputStream(data)) {
                        bytes = in.readAllBytes();
                    }
                    storages.put(ref.storage().key(), bytes);
                }
                tensors.put((String) entry.getKey(), ref.tensor(bytes));
            }
        }
    }

    private void readLegacy(Path path) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(path)))) {
            Object magic = new TorchUnpickler().load(in);
            if (!(magic instanceof BigInteger n) || !n.equals(LEGACY_MAGIC)) {
                // a bare pickle has no magic number: not a file torch.save wrote
                throw new IOException("it is neither a torch.save zip archive nor a legacy torch.save file");
            }
            new TorchUnpickler().load(in); // the protocol version
            new TorchUnpickler().load(in); // sys_info: byte order and sizes of the saving machine
            Map<?, ?> dict = stateDict(new TorchUnpickler().load(in));
            List<?> keys = (List<?>) new TorchUnpickler().load(in);
            // each storage follows in the order of the key list: its element count, then its bytes
            Map<String, byte[]> storages = new HashMap<>();
            Map<String, StorageRef> refs = new HashMap<>();
            for (Map.Entry<?, ?> entry : dict.entrySet()) {
                StorageRef storage = tensorRef(entry).storage();
                refs.put(storage.key(), storage);
            }
            for (Object key : keys) {
                long count = Long.reverseBytes(in.readLong());
                StorageRef storage = refs.get(key.toString());
                int size = storage == null ? 2 : storage.type().bytes();
                long length = count * size;
                if (count < 0 || length > Integer.MAX_VALUE) {
                    throw new IOException("storage " + key + " claims " + count + " elements");
                }
                byte[] bytes = in.readNBytes((int) length);
                if (bytes.length != length) {
                    throw new IOException("the file ends inside storage " + key);
                }
                storages.put(key.toString(), bytes);
            }
            for (Map.Entry<?, ?> entry : dict.entrySet()) {
                TensorRef ref = tensorRef(entry);
                byte[] bytes = storages.get(ref.storage().key());
                if (bytes == null) {
                    throw new IOException("storage " + ref.storage().key() + " of '" + entry.getKey() + "' is missing");
                }
                tensors.put((String) entry.getKey(), ref.tensor(bytes));
            }
        }
    }

    private static Map<?, ?> stateDict(Object loaded) throws IOException {
        if (loaded instanceof Map<?, ?> map) {
            // a checkpoint that wraps its weights ({"state_dict": …}) is unwrapped once
            if (map.get("state_dict") instanceof Map<?, ?> inner) {
                return inner;
            }
            return map;
        }
        throw new IOException("the pickled object is a " + (loaded == null ? "None" : loaded.getClass().getSimpleName())
                + ", not a state dict");
    }

    private static TensorRef tensorRef(Map.Entry<?, ?> entry) throws IOException {
        if (!(entry.getKey() instanceof String) || !(entry.getValue() instanceof TensorRef ref)) {
            throw new IOException("entry '" + entry.getKey() + "' is not a tensor");
        }
        return ref;
    }

    @Override
    public Set<String> keys() {
        return tensors.keySet();
    }

    @Override
    public Shape shape(String key) {
        return tensors.get(key).shape();
    }

    @Override
    public NDArray read(String key, Shape as, NDManager manager) {
        Tensor tensor = tensors.get(key);
        if (as.size() != tensor.shape().size()) {
            throw new WeightsException("'" + key + "' has " + tensor.shape().size() + " elements, not the " + as.size() + " of " + as);
        }
        return manager.create(tensor.values(), as);
    }

    @Override
    public void close() {
        tensors.clear();
    }

    /** A tensor's values, as float32. */
    private record Tensor(float[] values, Shape shape) {
    }

    /** The storage types a state dict of weights uses. */
    private enum StorageType {
        FLOAT(4), DOUBLE(8), HALF(2);

        private final int bytes;

        StorageType(int bytes) {
            this.bytes = bytes;
        }

        int bytes() {
            return bytes;
        }

        float read(ByteBuffer buffer, int index) {
            return switch (this) {
                case FLOAT -> buffer.getFloat(index * 4);
                case DOUBLE -> (float) buffer.getDouble(index * 8);
                case HALF -> halfToFloat(buffer.getShort(index * 2));
            };
        }
    }

    /** IEEE 754 binary16 to float (Java 17 has no Float.float16ToFloat). */
    static float halfToFloat(short half) {
        int sign = (half >>> 15) & 1;
        int exponent = (half >>> 10) & 0x1f;
        int mantissa = half & 0x3ff;
        float magnitude;
        if (exponent == 0) {
            magnitude = mantissa * 0x1p-24f; // subnormal
        } else if (exponent == 31) {
            magnitude = mantissa == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
        } else {
            magnitude = Float.intBitsToFloat((exponent + 112) << 23 | mantissa << 13);
        }
        return sign == 0 ? magnitude : -magnitude;
    }

    /** A persistent storage reference: {@code ('storage', torch.FloatStorage, key, location, numel, …)}. */
    private record StorageRef(StorageType type, String key) {
    }

    /** {@code torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …)}. */
    private record TensorRef(StorageRef storage, int offset, long[] size, long[] stride) {

        Tensor tensor(byte[] bytes) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            Shape shape = new Shape(size);
            int count = Math.toIntExact(shape.size());
            float[] values = new float[count];
            // walk the strides, so views and non-contiguous tensors come out in C order
            int[] index = new int[size.length];
            for (int i = 0; i < count; i++) {
                long at = offset;
                for (int d = 0; d < size.length; d++) {
                    at += index[d] * stride[d];
                }
                if (at < 0 || (at + 1) * storage.type().bytes() > bytes.length) {
                    throw new IllegalArgumentException("a tensor reaches past the end of storage " + storage.key());
                }
                values[i] = storage.type().read(buffer, (int) at);
                for (int d = size.length - 1; d >= 0 && ++index[d] == size[d]; d--) {
                    index[d] = 0;
                }
            }
            return new Tensor(values, shape);
        }
    }

    /** Pyrolite's unpickler with torch's persistent storages and only the globals a state dict needs. */
    private static final class TorchUnpickler extends Unpickler {

        static {
            registerConstructor("collections", "OrderedDict", args -> new OrderedDict());
            registerConstructor("torch._utils", "_rebuild_tensor_v2", TorchUnpickler::rebuildTensor);
            registerConstructor("torch._utils", "_rebuild_tensor", TorchUnpickler::rebuildTensor);
            registerConstructor("torch._utils", "_rebuild_parameter", args -> args[0]);
            registerConstructor("torch", "FloatStorage", new StorageClass(StorageType.FLOAT));
            registerConstructor("torch", "DoubleStorage", new StorageClass(StorageType.DOUBLE));
            registerConstructor("torch", "HalfStorage", new StorageClass(StorageType.HALF));
        }

        @Override
        protected Object persistentLoad(Object pid) {
            Object[] fields = pid instanceof Object[] tuple ? tuple : new Object[0];
            if (fields.length < 3 || !"storage".equals(fields[0]) || !(fields[1] instanceof StorageClass type)) {
                throw new PickleException("unsupported persistent reference (only float, double and half storages are read)");
            }
            return new StorageRef(type.type(), fields[2].toString());
        }

        private static Object rebuildTensor(Object[] args) {
            if (args.length < 4 || !(args[0] instanceof StorageRef storage)) {
                throw new PickleException("a tensor without a storage");
            }
            return new TensorRef(storage, ((Number) args[1]).intValue(), longs(args[2]), longs(args[3]));
        }

        private static long[] longs(Object tuple) {
            Object[] values = (Object[]) tuple;
            long[] out = new long[values.length];
            for (int i = 0; i < values.length; i++) {
                out[i] = ((Number) values[i]).longValue();
            }
            return out;
        }
    }

    /** The class object of a storage type, as the pickle names it inside a persistent reference. */
    private record StorageClass(StorageType type) implements IObjectConstructor {

        @Override
        public Object construct(Object[] args) {
            throw new PickleException("storages are only read by reference");
        }
    }

    /** {@code collections.OrderedDict}; its {@code _metadata} state (versions of the modules) is not needed. */
    public static final class OrderedDict extends LinkedHashMap<Object, Object> {

        public void __setstate__(HashMap<String, Object> state) {
            // the state dict's _metadata: module versions, which the weights do not depend on
        }
    }
}
