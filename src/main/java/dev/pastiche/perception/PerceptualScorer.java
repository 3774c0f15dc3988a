package dev.pastiche.perception;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import dev.pastiche.image.ImageRejectedException;
import dev.pastiche.image.RgbImage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.awt.image.BufferedImage;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.springframework.stereotype.Component;

/**
 * Synchronous scoring on the frozen extractor: perceptual distances between two images and
 * feature-map grids. Calls are queued to the {@link ScoringBatcher}, whose
 * {@code pastiche.model.max-concurrent} threads compute them in batches, each batch in its own
 * NDManager scope closed before the callers return, so memory stays bounded under load.
 */
@Component
public class PerceptualScorer implements AutoCloseable {

    /** The longest side of a feature-map grid; larger grids are sampled down. */
    static final int MAX_GRID_SIDE = 4096;
    private static final int GAP = 2;

    private final PerceptionModel model;
    private final ScoringBatcher batcher;
    private final Timer distanceTimer;
    private final Timer featureMapTimer;
    private final Counter imagesScored;

    public PerceptualScorer(PerceptionModel model, ModelProperties properties, MeterRegistry meters) {
        this.model = model;
        this.batcher = new ScoringBatcher(model::extractor, properties, meters);
        this.distanceTimer = Timer.builder("pastiche.scoring").description("Scoring latency, including the wait in the batcher's queue")
                .tag("operation", "perceptual-distance").publishPercentileHistogram().register(meters);
        this.featureMapTimer = Timer.builder("pastiche.scoring").description("Scoring latency, including the wait in the batcher's queue")
                .tag("operation", "feature-maps").publishPercentileHistogram().register(meters);
        this.imagesScored = Counter.builder("pastiche.images.scored").description("Images run through the extractor")
                .register(meters);
    }

    /** The distances of API.md between two images of the same size. */
    public Distance distance(RgbImage reference, RgbImage candidate, Set<Metric> metrics) {
        if (reference.width() != candidate.width() || reference.height() != candidate.height()) {
            throw new IllegalArgumentException("images differ in size");
        }
        // fails fast while the model is unavailable, before queueing
        model.extractor();
        String contentLayer = model.contentLayer();
        Set<String> wanted = new LinkedHashSet<>();
        if (metrics.contains(Metric.CONTENT)) {
            wanted.add(contentLayer);
        }
        if (metrics.contains(Metric.STYLE) || metrics.contains(Metric.FEATURES)) {
            wanted.addAll(model.styleLayers());
        }
        checkLargeEnough(reference, wanted);
        return measured(distanceTimer, 2, () -> batcher.submit(List.of(reference, candidate), wanted,
                taps -> distance(taps, metrics, reference.width(), reference.height())));
    }

    /** The distances from a pair's taps, (2, C, H, W) each. */
    private Distance distance(Map<String, NDArray> taps, Set<Metric> metrics, int width, int height) {
        String contentLayer = model.contentLayer();
        Map<String, Distance.LayerDistance> layers = new LinkedHashMap<>();
        double content = 0;
        double style = 0;
        double features = 0;
        for (String tap : model.variant().tapNames()) {
            NDArray both = taps.get(tap);
            if (both == null) {
                continue;
            }
            Double c = null;
            Double s = null;
            Double f = null;
            if (metrics.contains(Metric.CONTENT) && tap.equals(contentLayer)) {
                c = PerceptualMath.content(both.get(0), both.get(1));
                content += c;
            }
            if (model.styleLayers().contains(tap)) {
                if (metrics.contains(Metric.STYLE)) {
                    s = PerceptualMath.stylePair(both);
                    style += s;
                }
                if (metrics.contains(Metric.FEATURES)) {
                    f = PerceptualMath.featuresPair(both);
                    features += f;
                }
            }
            layers.put(tap, new Distance.LayerDistance(c, s, f));
        }
        return new Distance(
                metrics.contains(Metric.CONTENT) ? content : null,
                metrics.contains(Metric.STYLE) ? style : null,
                metrics.contains(Metric.FEATURES) ? features : null,
                width, height, layers, model.info());
    }

    /**
     * A grid of the first {@code channels} activation maps of a tap, each min-max normalised to
     * 0–255, laid out row by row with a {@value #GAP}-pixel gap.
     */
    public BufferedImage featureMap(RgbImage image, String layer, int channels) {
        model.extractor();
        checkLargeEnough(image, Set.of(layer));
        Maps maps = measured(featureMapTimer, 1, () -> batcher.submit(List.of(image), Set.of(layer), taps -> {
            NDArray tap = taps.get(layer);
            int n = (int) Math.min(channels, tap.getShape().get(1));
            return new Maps(tap.get(new NDIndex("0, :{}", n)).toFloatArray(), n, (int) tap.getShape().get(2),
                    (int) tap.getShape().get(3));
        }));
        // drawn on the caller's thread: the batcher's threads are for the forward passes
        return grid(maps.values(), maps.channels(), maps.height(), maps.width());
    }

    /** The first channels of one tap, copied out of the batch's scope. */
    private record Maps(float[] values, int channels, int height, int width) {
    }

    /** An image too small for the pools before a tap would leave it empty, which the engine refuses with an error. */
    private void checkLargeEnough(RgbImage image, Collection<String> taps) {
        String deepest = null;
        int min = 1;
        for (String tap : taps) {
            int side = model.variant().minInputSide(tap);
            if (side > min) {
                min = side;
                deepest = tap;
            }
        }
        if (image.width() < min || image.height() < min) {
            throw new ImageRejectedException(ImageRejectedException.Reason.INVALID, "the image is " + image.width() + "×"
                    + image.height() + " but " + deepest + " needs at least " + min + "×" + min
                    + " pixels (each 2×2 pool before it halves the size); send a larger image");
        }
    }

    static BufferedImage grid(float[] values, int n, int h, int w) {
        int cols = (int) Math.ceil(Math.sqrt(n));
        int rows = (n + cols - 1) / cols;
        double scale = Math.min(1.0, Math.min((double) MAX_GRID_SIDE / (cols * (w + GAP)), (double) MAX_GRID_SIDE / (rows * (h + GAP))));
        int tw = Math.max(1, (int) (w * scale));
        int th = Math.max(1, (int) (h * scale));
        BufferedImage out = new BufferedImage(cols * (tw + GAP) - GAP, rows * (th + GAP) - GAP, BufferedImage.TYPE_BYTE_GRAY);
        byte[] pixels = ((java.awt.image.DataBufferByte) out.getRaster().getDataBuffer()).getData();
        java.util.Arrays.fill(pixels, (byte) 0x40);
        int stride = out.getWidth();
        int plane = h * w;
        for (int ch = 0; ch < n; ch++) {
            float min = Float.POSITIVE_INFINITY;
            float max = Float.NEGATIVE_INFINITY;
            for (int i = ch * plane; i < (ch + 1) * plane; i++) {
                min = Math.min(min, values[i]);
                max = Math.max(max, values[i]);
            }
            float range = max > min ? max - min : 1f;
            int x0 = (ch % cols) * (tw + GAP);
            int y0 = (ch / cols) * (th + GAP);
            for (int y = 0; y < th; y++) {
                int sy = Math.min(h - 1, (int) (y / scale));
                for (int x = 0; x < tw; x++) {
                    int sx = Math.min(w - 1, (int) (x / scale));
                    float v = (values[ch * plane + sy * w + sx] - min) / range;
                    pixels[(y0 + y) * stride + x0 + x] = (byte) Math.round(v * 255);
                }
            }
        }
        return out;
    }

    private <T> T measured(Timer timer, int images, Supplier<T> work) {
        return timer.record(() -> {
            T result = work.get();
            imagesScored.increment(images);
            return result;
        });
    }

    @Override
    public void close() {
        batcher.close();
    }
}
