package dev.pastiche.vgg.weights;

import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Test weights from the deterministic formula of scripts/reference/make_fixtures.py and the
 * seeded He-uniform scheme of scripts/reference/make_engine_fixtures.py, and a safetensors writer
 * so tests load them through the real file path.
 */
public final class ReferenceWeights {

    private static final double PHI = 0.6180339887498949;

    private ReferenceWeights() {
    }

    /** Must match {@code formula} in make_fixtures.py exactly. */
    public static float[] formula(String key, Shape shape) {
        String[] parts = key.split("\\.");
        int index = Integer.parseInt(parts[1]);
        String name = parts[2];
        int n = Math.toIntExact(shape.size());
        float[] out = new float[n];
        double std = Math.sqrt(2.0 / ((double) n / shape.get(0)));
        for (int i = 0; i < n; i++) {
            double f = (i * PHI + index * 0.1234567) % 1.0;
            double v;
            if (name.equals("weight") && shape.dimension() == 4) {
                v = (f - 0.5) * Math.sqrt(12.0) * std;
            } else if (name.equals("bias")) {
                v = (f - 0.5) * 0.02;
            } else if (name.equals("weight")) {
                v = 1.0 + (f - 0.5) * 0.2;
            } else if (name.equals("running_mean")) {
                v = (f - 0.5) * 0.1;
            } else if (name.equals("running_var")) {
                v = 1.0 + f * 0.5;
            } else {
                throw new IllegalArgumentException(key);
            }
            out[i] = (float) v;
        }
        return out;
    }

    /** Writes the formula's tensors for {@code shapes} as a safetensors file. */
    public static Path writeFormula(Path file, Map<String, Shape> shapes) throws IOException {
        return writeSafetensors(file, shapes, key -> formula(key, shapes.get(key)));
    }

    /**
     * Seeded He-uniform weights for VGG's convolutions, must match {@code seeded} in
     * make_engine_fixtures.py exactly: element i of {@code features.L.weight} (kind 0) or
     * {@code features.L.bias} (kind 1) takes u = top 53 bits of splitmix64((stream << 32) + i) as a
     * fraction, stream = seed·1000003 + L·16 + kind (all mod 2⁶⁴); a weight is
     * (u − ½)·√12·√(2 / fan_in), a bias (u − ½)·0.02. Unlike {@link #formula}, whose Weyl
     * sequence repeats the same pattern in every filter, these give deep layers a real share of the
     * style loss. The classifier's linear layers ({@code classifier.L.weight}, {@code .bias}) follow
     * make_classifier_fixtures.py: stream layer 100 + L, the last weight times {@link #LOGIT_GAIN}.
     */
    public static float[] seeded(String key, Shape shape, long seed) {
        float[] out = new float[Math.toIntExact(shape.size())];
        seeded(key, shape, seed, 0, out);
        return out;
    }

    /** make_classifier_fixtures.py's gain on {@code classifier.6.weight}, so the softmax is neither flat nor one-hot. */
    public static final double LOGIT_GAIN = 4.0;

    /** Elements {@code from} … {@code from + into.length − 1} of {@link #seeded(String, Shape, long)}, for tensors too large for one array. */
    public static void seeded(String key, Shape shape, long seed, long from, float[] into) {
        String[] parts = key.split("\\.");
        int index = Integer.parseInt(parts[1]) + (parts[0].equals("classifier") ? 100 : 0);
        int kind;
        if (parts[2].equals("weight") && (shape.dimension() == 4 || shape.dimension() == 2)) {
            kind = 0;
        } else if (parts[2].equals("bias")) {
            kind = 1;
        } else {
            throw new IllegalArgumentException("seeded weights cover convolutions and linear layers only: " + key);
        }
        long base = (seed * 1000003L + index * 16L + kind) << 32;
        double std = Math.sqrt(2.0 / ((double) shape.size() / shape.get(0)));
        double gain = key.equals("classifier.6.weight") ? LOGIT_GAIN : 1.0;
        for (int i = 0; i < into.length; i++) {
            double u = (splitmix64(base + from + i) >>> 11) * 0x1.0p-53;
            into[i] = (float) (kind == 0 ? (u - 0.5) * Math.sqrt(12.0) * std * gain : (u - 0.5) * 0.02);
        }
    }

    /** Fills a chunk of one tensor: elements {@code from} … {@code from + into.length − 1} in C order. */
    public interface Chunks {
        void fill(String key, long from, float[] into);
    }

    /** Writes {@code shapes} in order, a megabyte at a time from {@code values}, so tensors of any size need little heap. */
    public static Path writeSafetensors(Path file, Map<String, Shape> shapes, Chunks values) throws IOException {
        float[] chunk = new float[1 << 18];
        ByteBuffer buffer = ByteBuffer.allocate(4 * chunk.length).order(ByteOrder.LITTLE_ENDIAN);
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            out.write(header(shapes));
            for (Map.Entry<String, Shape> e : shapes.entrySet()) {
                long n = e.getValue().size();
                for (long from = 0; from < n; from += chunk.length) {
                    int count = (int) Math.min(chunk.length, n - from);
                    float[] part = count == chunk.length ? chunk : new float[count];
                    values.fill(e.getKey(), from, part);
                    buffer.clear();
                    buffer.asFloatBuffer().put(part);
                    out.write(buffer.array(), 0, 4 * count);
                }
            }
        }
        return file;
    }

    /** The u64 length and JSON header of a safetensors file of float32 {@code shapes}, in order. */
    private static byte[] header(Map<String, Shape> shapes) {
        StringBuilder header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        for (Map.Entry<String, Shape> e : shapes.entrySet()) {
            long bytes = 4L * e.getValue().size();
            StringBuilder dims = new StringBuilder();
            for (long d : e.getValue().getShape()) {
                dims.append(dims.length() == 0 ? "" : ",").append(d);
            }
            header.append(",\"").append(e.getKey()).append("\":{\"dtype\":\"F32\",\"shape\":[").append(dims)
                    .append("],\"data_offsets\":[").append(offset).append(',').append(offset + bytes).append("]}");
            offset += bytes;
        }
        header.append('}');
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + json.length).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).put(json).array();
    }

    /** Writes the seeded tensors for {@code shapes} as a safetensors file. */
    public static Path writeSeeded(Path file, Map<String, Shape> shapes, long seed) throws IOException {
        return writeSafetensors(file, shapes, key -> seeded(key, shapes.get(key), seed));
    }

    /** Vigna's splitmix64 finaliser (wrapping long arithmetic is the mod 2⁶⁴ of the reference). */
    static long splitmix64(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The safetensors layout: u64 little-endian header length, JSON header, raw little-endian data. */
    public static Path writeSafetensors(Path file, Map<String, float[]> tensors, Map<String, Shape> shapes) throws IOException {
        return writeSafetensors(file, shapes, tensors::get);
    }

    /**
     * Writes {@code shapes} in order, taking each tensor's values from {@code values}; a null
     * answer writes zeros, streamed, so files of pretrained size need no heap.
     */
    public static Path writeSafetensors(Path file, Map<String, Shape> shapes, java.util.function.Function<String, float[]> values)
            throws IOException {
        StringBuilder header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        for (Map.Entry<String, Shape> e : shapes.entrySet()) {
            long bytes = 4L * e.getValue().size();
            StringBuilder dims = new StringBuilder();
            for (long d : e.getValue().getShape()) {
                dims.append(dims.length() == 0 ? "" : ",").append(d);
            }
            header.append(",\"").append(e.getKey()).append("\":{\"dtype\":\"F32\",\"shape\":[").append(dims)
                    .append("],\"data_offsets\":[").append(offset).append(',').append(offset + bytes).append("]}");
            offset += bytes;
        }
        header.append('}');
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        byte[] zeros = new byte[1 << 20];
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).array());
            out.write(json);
            for (Map.Entry<String, Shape> e : shapes.entrySet()) {
                float[] data = values.apply(e.getKey());
                if (data == null) {
                    for (long left = 4L * e.getValue().size(); left > 0; left -= zeros.length) {
                        out.write(zeros, 0, (int) Math.min(left, zeros.length));
                    }
                    continue;
                }
                ByteBuffer buffer = ByteBuffer.allocate(4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
                buffer.asFloatBuffer().put(data);
                out.write(buffer.array());
            }
        }
        return file;
    }

    /** Properties as Spring would bind them, with the defaults of {@link WeightsProperties}. */
    public static WeightsProperties properties(WeightsSource source, Path path, boolean requirePretrained, Path cacheDir, URI url) {
        return new WeightsProperties(source, requirePretrained, path, url == null ? URI.create(WeightsProperties.DEFAULT_URL) : url,
                null, cacheDir, 0, Duration.ofSeconds(2));
    }

    public static WeightsProperties file(Path path) {
        return properties(WeightsSource.FILE, path, false, path.getParent(), null);
    }
}
