package dev.pastiche.vgg.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads single tensors out of a safetensors file (an 8-byte little-endian header length, a JSON
 * header of {@code {key: {dtype, shape, data_offsets}}}, then the data). DJL's {@code NDList.decode}
 * reads the format too, but only whole files: a pretrained VGG file carries ~500 MB of classifier
 * that the extractor never uses, so reading by key keeps start-up time and memory down.
 */
final class SafetensorsFile implements TensorFile {

    private static final long MAX_HEADER = 100L * 1024 * 1024;

    private record Entry(String dtype, long[] shape, long begin, long end) {
    }

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, Entry> entries = new LinkedHashMap<>();

    SafetensorsFile(Path path) {
        this.path = path;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
            ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(length, 0);
            long headerLength = length.flip().getLong();
            if (headerLength <= 0 || headerLength > MAX_HEADER || 8 + headerLength > channel.size()) {
                throw new WeightsException(path + " is not a safetensors file (header length " + headerLength + ")");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLength);
            readFully(header, 8);
            dataStart = 8 + headerLength;
            JsonNode root = JsonMapper.shared().readTree(new String(header.array(), StandardCharsets.UTF_8));
            for (Map.Entry<String, JsonNode> field : root.properties()) {
                if (field.getKey().equals("__metadata__")) {
                    continue;
                }
                JsonNode node = field.getValue();
                long[] shape = new long[node.get("shape").size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = node.get("shape").get(i).asLong();
                }
                entries.put(field.getKey(), new Entry(node.get("dtype").asString(), shape,
                        node.get("data_offsets").get(0).asLong(), node.get("data_offsets").get(1).asLong()));
            }
        } catch (IOException e) {
            throw new WeightsException("cannot read " + path + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            if (e instanceof WeightsException) {
                throw e;
            }
            throw new WeightsException(path + " has a malformed safetensors header: " + e.getMessage(), e);
        }
    }

    @Override
    public Set<String> keys() {
        return entries.keySet();
    }

    @Override
    public Shape shape(String key) {
        return new Shape(entries.get(key).shape());
    }

    @Override
    public NDArray read(String key, Shape as, NDManager manager) {
        Entry entry = entries.get(key);
        DataType type = switch (entry.dtype()) {
            case "F32" -> DataType.FLOAT32;
            case "F16" -> DataType.FLOAT16;
            case "BF16" -> DataType.BFLOAT16;
            case "F64" -> DataType.FLOAT64;
            default -> throw new WeightsException(key + " in " + path + " has dtype " + entry.dtype() + "; expected a float type");
        };
        Shape shape = new Shape(entry.shape());
        long bytes = entry.end() - entry.begin();
        if (bytes != shape.size() * type.getNumOfBytes() || dataStart + entry.end() > sizeOf()) {
            throw new WeightsException(key + " in " + path + " has data offsets that do not match its shape " + shape);
        }
        // DJL keeps a reference to the direct buffer for as long as the array lives
        ByteBuffer data = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
        try {
            readFully(data, dataStart + entry.begin());
        } catch (IOException e) {
            throw new WeightsException("cannot read " + key + " from " + path + ": " + e.getMessage(), e);
        }
        data.flip();
        if (as.size() != shape.size()) {
            throw new IllegalArgumentException(key + " has shape " + shape + ", not " + as.size() + " elements");
        }
        NDArray array = manager.create(data, as, type);
        if (type == DataType.FLOAT32) {
            return array;
        }
        NDArray converted = array.toType(DataType.FLOAT32, false);
        array.close();
        return converted;
    }

    private long sizeOf() {
        try {
            return channel.size();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void readFully(ByteBuffer buffer, long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, at);
            if (n < 0) {
                throw new IOException("unexpected end of file at byte " + at);
            }
            at += n;
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
