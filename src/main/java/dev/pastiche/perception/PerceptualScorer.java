package dev.pastiche.perception;

import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.util.NDImageUtils;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
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
    private final Lpips lpips;
    private final ScoringBatcher batcher;
    /** LPIPS's own VGG16 batches apart: its passes share neither weights nor taps with VGG19's. */
    private final ScoringBatcher lpipsBatcher;
    private final Timer distanceTimer;
    private final Timer featureMapTimer;
    private final Timer matrixTimer;
    private final Timer mapTimer;
    private final Counter imagesScored;

    /** Without LPIPS's files: for code that builds a scorer outside Spring. */
    public PerceptualScorer(PerceptionModel model, ModelProperties properties, MeterRegistry meters) {
        this(model, new Lpips(LpipsProperties.files(null, null)), properties, meters);
    }

    @org.springframework.beans.factory.annotation.Autowired
    public PerceptualScorer(PerceptionModel model, Lpips lpips, ModelProperties properties, MeterRegistry meters) {
        this.model = model;
        this.lpips = lpips;
        this.batcher = new ScoringBatcher(model::extractor, properties, meters, "vgg19");
        this.lpipsBatcher = new ScoringBatcher(lpips::extractor, properties, meters, "lpips");
        this.distanceTimer = Timer.builder("pastiche.scoring").description("Scoring latency, including the wait in the batcher's queue")
                .tag("operation", "perceptual-distance").publishPercentileHistogram().register(meters);
        this.featureMapTimer = Timer.builder("pastiche.scoring").description("Scoring latency, including the wait in the batcher's queue")
                .tag("operation", "feature-maps").publishPercentileHistogram().register(meters);
        this.matrixTimer = Timer.builder("pastiche.scoring").description("Scoring latency, including the wait in the batcher's queue")
                .tag("operation", "perceptual-distance-matrix").publishPercentileHistogram().register(meters);
        this.mapTimer = Timer.builder("pastiche.scoring").description("Scoring latency, including the wait in the batcher's queue")
                .tag("operation", "perceptual-distance-map").publishPercentileHistogram().register(meters);
        this.imagesScored = Counter.builder("pastiche.images.scored").description("Images run through the extractor")
                .register(meters);
    }

    /** The distances of API.md between two images of the same size. */
    public Distance distance(RgbImage reference, RgbImage candidate, Set<Metric> metrics) {
        if (reference.width() != candidate.width() || reference.height() != candidate.height()) {
            throw new IllegalArgumentException("images differ in size");
        }
        // fails fast while a model is unavailable, before queueing
        model.extractor();
        if (metrics.contains(Metric.LPIPS)) {
            lpips.extractor();
            checkLargeEnough(dev.pastiche.vgg.VggVariant.VGG16, reference, Lpips.TAPS);
        }
        Set<String> wanted = tapsFor(metrics);
        checkLargeEnough(reference, wanted);
        return measured(distanceTimer, 2, () -> {
            Distance vgg19 = wanted.isEmpty() ? new Distance(null, null, null, reference.width(), reference.height(), Map.of(), model.info(),
                    null, null)
                    : batcher.submit(List.of(reference, candidate), wanted, taps -> distance(taps, metrics, reference.width(), reference.height()));
            if (!metrics.contains(Metric.LPIPS)) {
                return vgg19;
            }
            Map<String, Double> layers = lpipsBatcher.submit(List.of(reference, candidate), Lpips.TAP_SET, this::lpipsLayers);
            return vgg19.withLpips(layers.values().stream().mapToDouble(Double::doubleValue).sum(), layers);
        });
    }

    /** LPIPS's share per tap of a pair's VGG16 taps, (2, C, H, W) each, by LPIPS's tap names. */
    private Map<String, Double> lpipsLayers(Map<String, NDArray> taps) {
        Map<String, Double> layers = new LinkedHashMap<>();
        for (int l = 0; l < Lpips.TAPS.size(); l++) {
            NDArray unit = PerceptualMath.unitNormalised(taps.get(Lpips.TAPS.get(l)));
            layers.put(Lpips.NAMES.get(l), (double) lpips.layerMap(l, unit.get(0), unit.get(1)).mean().getFloat());
        }
        return layers;
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
                width, height, layers, model.info(), null, null);
    }

    /**
     * Every metric between every reference and every image (all of one size), each image forwarded
     * once: the images go through the batcher a batch at a time, and what the metrics need of each
     * (its content tap, its Gram matrices, its unit-normalised style taps) is kept in a scope of this
     * call until the pairs are compared. Without references, the images against each other.
     *
     * @return per metric, a references × images matrix (images × images without references)
     */
    public Map<Metric, double[][]> matrix(List<RgbImage> references, List<RgbImage> images, Set<Metric> metrics) {
        FeatureExtractor extractor = model.extractor();
        if (metrics.contains(Metric.LPIPS)) {
            lpips.extractor();
            checkLargeEnough(dev.pastiche.vgg.VggVariant.VGG16, images.get(0), Lpips.TAPS);
        }
        Set<String> wanted = tapsFor(metrics);
        checkLargeEnough(images.get(0), wanted);
        List<RgbImage> all = new java.util.ArrayList<>(references);
        all.addAll(images);
        return measured(matrixTimer, all.size(), () -> {
            try (NDManager scope = extractor.newScope()) {
                long batchPixels = model.properties().batchPixels(extractor.device().isGpu());
                int perBatch = (int) Math.max(1, batchPixels / ((long) images.get(0).width() * images.get(0).height()));
                List<ImageStatistics> statistics = new java.util.ArrayList<>();
                for (int from = 0; from < all.size(); from += perBatch) {
                    List<RgbImage> batch = all.subList(from, Math.min(all.size(), from + perBatch));
                    List<ImageStatistics> vgg19 = wanted.isEmpty() ? java.util.Collections.nCopies(batch.size(), ImageStatistics.NONE)
                            : batcher.submit(batch, wanted, taps -> statistics(taps, batch.size(), metrics, scope));
                    List<List<NDArray>> units = metrics.contains(Metric.LPIPS)
                            ? lpipsBatcher.submit(batch, Lpips.TAP_SET, taps -> lpipsUnits(taps, batch.size(), scope))
                            : java.util.Collections.nCopies(batch.size(), List.of());
                    for (int k = 0; k < batch.size(); k++) {
                        statistics.add(vgg19.get(k).withLpips(units.get(k)));
                    }
                }
                List<ImageStatistics> rows = references.isEmpty() ? statistics : statistics.subList(0, references.size());
                List<ImageStatistics> columns = statistics.subList(references.size(), statistics.size());
                Map<Metric, double[][]> matrices = new java.util.EnumMap<>(Metric.class);
                metrics.forEach(m -> matrices.put(m, new double[rows.size()][columns.size()]));
                for (int i = 0; i < rows.size(); i++) {
                    for (int j = 0; j < columns.size(); j++) {
                        // symmetric without references: each pair once, the diagonal 0 exactly
                        int ii = i;
                        int jj = j;
                        if (references.isEmpty() && j <= i) {
                            metrics.forEach(m -> matrices.get(m)[ii][jj] = jj == ii ? 0 : matrices.get(m)[jj][ii]);
                            continue;
                        }
                        // each pair's intermediates (each as large as an image's taps) die with the pair, not the call
                        try (NDManager pair = scope.newSubManager()) {
                            rows.get(i).lend(pair);
                            columns.get(j).lend(pair);
                            compare(rows.get(i), columns.get(j), metrics).forEach((m, v) -> matrices.get(m)[ii][jj] = v);
                        }
                    }
                }
                return matrices;
            }
        });
    }

    /**
     * What the metrics need of one image, kept past its batch: its content tap, Gram matrices and
     * unit-normalised style taps, and its unit-normalised LPIPS taps.
     */
    private record ImageStatistics(NDArray content, List<NDArray> grams, List<NDArray> units, List<NDArray> lpipsUnits) {

        static final ImageStatistics NONE = new ImageStatistics(null, List.of(), List.of(), List.of());

        ImageStatistics withLpips(List<NDArray> lpipsUnits) {
            return new ImageStatistics(content, grams, units, lpipsUnits);
        }

        /** Lends the arrays to {@code pair} until it closes: a result belongs to its first operand's manager. */
        void lend(NDManager pair) {
            if (content != null) {
                content.tempAttach(pair);
            }
            grams.forEach(a -> a.tempAttach(pair));
            units.forEach(a -> a.tempAttach(pair));
            lpipsUnits.forEach(a -> a.tempAttach(pair));
        }
    }

    private static List<List<NDArray>> lpipsUnits(Map<String, NDArray> taps, int n, NDManager keep) {
        List<NDArray> units = Lpips.TAPS.stream().map(tap -> PerceptualMath.unitNormalised(taps.get(tap))).toList();
        List<List<NDArray>> out = new java.util.ArrayList<>();
        for (int k = 0; k < n; k++) {
            int index = k;
            out.add(units.stream().map(u -> kept(u.get(index), keep)).toList());
        }
        return out;
    }

    private List<ImageStatistics> statistics(Map<String, NDArray> taps, int n, Set<Metric> metrics, NDManager keep) {
        List<ImageStatistics> out = new java.util.ArrayList<>();
        Map<String, NDArray> grams = new LinkedHashMap<>();
        Map<String, NDArray> units = new LinkedHashMap<>();
        for (String layer : model.styleLayers()) {
            if (metrics.contains(Metric.STYLE)) {
                grams.put(layer, PerceptualMath.grams(taps.get(layer)));
            }
            if (metrics.contains(Metric.FEATURES)) {
                units.put(layer, PerceptualMath.unitNormalised(taps.get(layer)));
            }
        }
        for (int k = 0; k < n; k++) {
            NDArray content = metrics.contains(Metric.CONTENT) ? kept(taps.get(model.contentLayer()).get(k), keep) : null;
            int index = k;
            out.add(new ImageStatistics(content, grams.values().stream().map(g -> kept(g.get(index), keep)).toList(),
                    units.values().stream().map(u -> kept(u.get(index), keep)).toList(), List.of()));
        }
        return out;
    }

    /** A copy in {@code keep}: the batch's arrays die with its scope. */
    private static NDArray kept(NDArray array, NDManager keep) {
        NDArray copy = array.duplicate();
        copy.attach(keep);
        return copy;
    }

    /** The metrics between two images' statistics, as {@link #distance} computes them from a pair's taps. */
    private Map<Metric, Double> compare(ImageStatistics a, ImageStatistics b, Set<Metric> metrics) {
        Map<Metric, Double> values = new java.util.EnumMap<>(Metric.class);
        if (metrics.contains(Metric.CONTENT)) {
            values.put(Metric.CONTENT, PerceptualMath.content(a.content(), b.content()));
        }
        if (metrics.contains(Metric.STYLE)) {
            double style = 0;
            for (int l = 0; l < a.grams().size(); l++) {
                style += PerceptualMath.meanSquaredError(a.grams().get(l), b.grams().get(l)).getFloat();
            }
            values.put(Metric.STYLE, style);
        }
        if (metrics.contains(Metric.FEATURES)) {
            double features = 0;
            for (int l = 0; l < a.units().size(); l++) {
                features += PerceptualMath.featuresMap(a.units().get(l), b.units().get(l)).mean().getFloat();
            }
            values.put(Metric.FEATURES, features);
        }
        if (metrics.contains(Metric.LPIPS)) {
            double total = 0;
            for (int l = 0; l < a.lpipsUnits().size(); l++) {
                total += lpips.layerMap(l, a.lpipsUnits().get(l), b.lpipsUnits().get(l)).mean().getFloat();
            }
            values.put(Metric.LPIPS, total);
        }
        return values;
    }

    /**
     * The per-pixel distance of {@code metric} ({@code content} or {@code features}) at the
     * reference's size: each layer's per-position distance, upsampled bilinearly (as LPIPS's
     * spatial form does) and combined as the scalar is, so that the map's mean is close to the
     * scalar distance. Row-major, height × width.
     */
    public float[] map(RgbImage reference, RgbImage candidate, Metric metric) {
        if (!metric.spatial()) {
            throw new IllegalArgumentException(metric.label() + " is not spatial");
        }
        int width = reference.width();
        int height = reference.height();
        if (metric == Metric.LPIPS) {
            lpips.extractor();
            checkLargeEnough(dev.pastiche.vgg.VggVariant.VGG16, reference, Lpips.TAPS);
            return measured(mapTimer, 2, () -> lpipsBatcher.submit(List.of(reference, candidate), Lpips.TAP_SET, taps -> {
                NDArray sum = null;
                for (int l = 0; l < Lpips.TAPS.size(); l++) {
                    NDArray unit = PerceptualMath.unitNormalised(taps.get(Lpips.TAPS.get(l)));
                    NDArray upsampled = upsampled(lpips.layerMap(l, unit.get(0), unit.get(1)), width, height);
                    sum = sum == null ? upsampled : sum.add(upsampled);
                }
                return sum.toFloatArray();
            }));
        }
        model.extractor();
        Set<String> wanted = tapsFor(Set.of(metric));
        checkLargeEnough(reference, wanted);
        return measured(mapTimer, 2, () -> batcher.submit(List.of(reference, candidate), wanted, taps -> {
            NDArray sum = null;
            for (String layer : wanted) {
                NDArray pair = taps.get(layer);
                NDArray layerMap;
                if (metric == Metric.CONTENT) {
                    layerMap = PerceptualMath.contentMap(pair.get(0), pair.get(1));
                } else {
                    NDArray unit = PerceptualMath.unitNormalised(pair);
                    layerMap = PerceptualMath.featuresMap(unit.get(0), unit.get(1));
                }
                NDArray upsampled = upsampled(layerMap, width, height);
                sum = sum == null ? upsampled : sum.add(upsampled);
            }
            return sum.toFloatArray();
        }));
    }

    /** A (h, w) map resized bilinearly to height × width (PyTorch's interpolate, align_corners false). */
    private static NDArray upsampled(NDArray map, int width, int height) {
        long h = map.getShape().get(0);
        long w = map.getShape().get(1);
        NDArray nhwc = map.reshape(1, h, w, 1);
        return NDImageUtils.resize(nhwc, width, height, Image.Interpolation.BILINEAR).reshape(height, width);
    }

    private Set<String> tapsFor(Set<Metric> metrics) {
        Set<String> wanted = new LinkedHashSet<>();
        if (metrics.contains(Metric.CONTENT)) {
            wanted.add(model.contentLayer());
        }
        if (metrics.contains(Metric.STYLE) || metrics.contains(Metric.FEATURES)) {
            wanted.addAll(model.styleLayers());
        }
        return wanted;
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

    /**
     * Runs {@code work} on the scoring threads over the named taps of one forward pass of
     * {@code images} (all one size), queued and batched with requests like it: for computations
     * built on the extractor's taps, such as the classifier. The taps, and every array made from
     * them, are freed once {@code work} returns; it must copy out what it keeps.
     *
     * @throws ScoringQueueFullException when {@code pastiche.model.max-queued} requests wait already
     */
    public <T> T withTaps(List<RgbImage> images, Set<String> taps, java.util.function.Function<Map<String, NDArray>, T> work) {
        model.extractor();
        checkLargeEnough(images.get(0), taps);
        return batcher.submit(images, taps, work::apply);
    }

    /** The first channels of one tap, copied out of the batch's scope. */
    private record Maps(float[] values, int channels, int height, int width) {
    }

    /** An image too small for the pools before a tap would leave it empty, which the engine refuses with an error. */
    private void checkLargeEnough(RgbImage image, Collection<String> taps) {
        checkLargeEnough(model.variant(), image, taps);
    }

    private static void checkLargeEnough(dev.pastiche.vgg.VggVariant variant, RgbImage image, Collection<String> taps) {
        String deepest = null;
        int min = 1;
        for (String tap : taps) {
            int side = variant.minInputSide(tap);
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
        lpipsBatcher.close();
    }
}
