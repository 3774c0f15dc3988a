package dev.pastiche.transfer;

import dev.pastiche.vgg.UnknownLayerException;
import dev.pastiche.vgg.VggVariant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The options of API.md as a user gives them: any field may be null and then takes its default.
 * {@link #resolve} validates them all at once and fills the defaults in.
 */
public record TransferOptions(Integer size, Integer iterations, OptimizerType optimizer, Double learningRate,
        Double contentWeight, Double styleWeight, Double tvWeight, List<Double> styleWeights, Double styleScale,
        InitMode init, Long seed, Boolean preserveColors, Integer scales, Integer minSize, String contentLayer,
        List<String> styleLayers, Integer previewEvery, Long deadlineSeconds, Boolean downscaleToFit) {

    static final int DEFAULT_SIZE = 512;
    static final int DEFAULT_ITERATIONS = 300;
    static final double DEFAULT_LEARNING_RATE = 0.02;
    static final double DEFAULT_STYLE_WEIGHT = 1e6;
    static final int DEFAULT_MIN_SIZE = 128;
    static final int DEFAULT_PREVIEW_EVERY = 25;
    /** Below this the deepest default style layer (after four pools) is too coarse to carry style. */
    static final int SMALLEST_SIZE = 32;
    static final int MAX_SCALES = 10;

    public static Builder builder() {
        return new Builder();
    }

    public static TransferOptions defaults() {
        return builder().build();
    }

    /**
     * @param defaultContentLayer the model's content layer, used when none is given
     * @param defaultStyleLayers the model's style layers, used when none are given
     * @throws InvalidOptionsException listing every invalid field
     */
    public ResolvedOptions resolve(int styleCount, TransferProperties limits, VggVariant variant, String defaultContentLayer,
            List<String> defaultStyleLayers) {
        List<InvalidOptionsException.FieldError> errors = new ArrayList<>();
        int resolvedSize = orDefault(size, DEFAULT_SIZE);
        range(errors, "size", resolvedSize, SMALLEST_SIZE, limits.maxSize());
        int resolvedIterations = orDefault(iterations, DEFAULT_ITERATIONS);
        range(errors, "iterations", resolvedIterations, 1, limits.maxIterations());
        double rate = orDefault(learningRate, DEFAULT_LEARNING_RATE);
        if (!(rate > 0 && rate <= 10)) {
            errors.add(new InvalidOptionsException.FieldError("learningRate", "must be in (0, 10], got " + rate));
        }
        double cw = weight(errors, "contentWeight", contentWeight, 1);
        double sw = weight(errors, "styleWeight", styleWeight, DEFAULT_STYLE_WEIGHT);
        double tw = weight(errors, "tvWeight", tvWeight, 0);
        List<Double> blend = styleWeights(errors, styleCount);
        double scale = styleScale == null ? 1.0 : styleScale;
        if (!(scale >= 0.1 && scale <= 4)) {
            errors.add(new InvalidOptionsException.FieldError("styleScale", "must be between 0.1 and 4, got " + scale));
        }
        int stages = orDefault(scales, 1);
        range(errors, "scales", stages, 1, MAX_SCALES);
        // the default follows a small size down, but stays valid itself: a bad size is reported once, as size
        int smallest = orDefault(minSize, Math.max(SMALLEST_SIZE, Math.min(DEFAULT_MIN_SIZE, resolvedSize)));
        range(errors, "minSize", smallest, SMALLEST_SIZE, Math.max(SMALLEST_SIZE, resolvedSize));
        int previews = orDefault(previewEvery, DEFAULT_PREVIEW_EVERY);
        range(errors, "previewEvery", previews, 1, Integer.MAX_VALUE);
        long deadline = deadlineSeconds == null ? 0 : deadlineSeconds;
        if (deadline < 0) {
            errors.add(new InvalidOptionsException.FieldError("deadlineSeconds", "must be positive, got " + deadline));
        }
        String content = contentLayer == null ? defaultContentLayer : contentLayer;
        layer(errors, "contentLayer", variant, content);
        List<String> style = styleLayers == null ? defaultStyleLayers : styleLayers;
        if (style.isEmpty()) {
            errors.add(new InvalidOptionsException.FieldError("styleLayers", "must name at least one layer"));
        }
        style.forEach(l -> layer(errors, "styleLayers", variant, l));
        if (styleCount < 1 || styleCount > limits.maxStyles()) {
            errors.add(new InvalidOptionsException.FieldError("style", "send 1 to " + limits.maxStyles() + " style images, got " + styleCount));
        }
        if (!errors.isEmpty()) {
            throw new InvalidOptionsException(errors);
        }
        // a seed in JavaScript's safe-integer range survives every JSON client unchanged
        long resolvedSeed = seed != null ? seed : ThreadLocalRandom.current().nextLong(1L << 53);
        return new ResolvedOptions(resolvedSize, resolvedIterations, optimizer == null ? OptimizerType.LBFGS : optimizer, rate,
                cw, sw, tw, blend, scale, init == null ? InitMode.CONTENT : init, resolvedSeed,
                Boolean.TRUE.equals(preserveColors), stages, smallest, content, List.copyOf(style), previews, deadline,
                Boolean.TRUE.equals(downscaleToFit));
    }

    private List<Double> styleWeights(List<InvalidOptionsException.FieldError> errors, int styleCount) {
        if (styleWeights == null) {
            return java.util.Collections.nCopies(Math.max(styleCount, 0), styleCount > 0 ? 1.0 / styleCount : 0.0);
        }
        if (styleWeights.size() != styleCount) {
            errors.add(new InvalidOptionsException.FieldError("styleWeights", "give one weight per style image: "
                    + styleCount + " styles but " + styleWeights.size() + " weights"));
            return List.of();
        }
        double sum = 0;
        for (Double w : styleWeights) {
            if (w == null || !Double.isFinite(w) || w < 0) {
                errors.add(new InvalidOptionsException.FieldError("styleWeights", "weights must be finite and ≥ 0, got " + w));
                return List.of();
            }
            sum += w;
        }
        if (sum <= 0) {
            errors.add(new InvalidOptionsException.FieldError("styleWeights", "at least one weight must be positive"));
            return List.of();
        }
        double total = sum;
        return styleWeights.stream().map(w -> w / total).toList();
    }

    private static void layer(List<InvalidOptionsException.FieldError> errors, String field, VggVariant variant, String name) {
        try {
            variant.tapIndex(name);
        } catch (UnknownLayerException e) {
            errors.add(new InvalidOptionsException.FieldError(field, e.getMessage()));
        }
    }

    private static double weight(List<InvalidOptionsException.FieldError> errors, String field, Double value, double fallback) {
        double v = value == null ? fallback : value;
        if (!Double.isFinite(v) || v < 0 || v > 1e12) {
            errors.add(new InvalidOptionsException.FieldError(field, "must be a finite number between 0 and 1e12, got " + v));
        }
        return v;
    }

    private static void range(List<InvalidOptionsException.FieldError> errors, String field, long value, long min, long max) {
        if (value < min || value > max) {
            errors.add(new InvalidOptionsException.FieldError(field, "must be between " + min + " and " + max + ", got " + value));
        }
    }

    private static <T> T orDefault(T value, T fallback) {
        return value == null ? fallback : value;
    }

    /** Builds options field by field; unset fields stay null (default). */
    public static final class Builder {
        private Integer size;
        private Integer iterations;
        private OptimizerType optimizer;
        private Double learningRate;
        private Double contentWeight;
        private Double styleWeight;
        private Double tvWeight;
        private List<Double> styleWeights;
        private Double styleScale;
        private InitMode init;
        private Long seed;
        private Boolean preserveColors;
        private Integer scales;
        private Integer minSize;
        private String contentLayer;
        private List<String> styleLayers;
        private Integer previewEvery;
        private Long deadlineSeconds;
        private Boolean downscaleToFit;

        public Builder size(int v) { size = v; return this; }
        public Builder iterations(int v) { iterations = v; return this; }
        public Builder optimizer(OptimizerType v) { optimizer = v; return this; }
        public Builder learningRate(double v) { learningRate = v; return this; }
        public Builder contentWeight(double v) { contentWeight = v; return this; }
        public Builder styleWeight(double v) { styleWeight = v; return this; }
        public Builder tvWeight(double v) { tvWeight = v; return this; }
        public Builder styleWeights(List<Double> v) { styleWeights = v; return this; }
        public Builder styleScale(double v) { styleScale = v; return this; }
        public Builder init(InitMode v) { init = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder preserveColors(boolean v) { preserveColors = v; return this; }
        public Builder scales(int v) { scales = v; return this; }
        public Builder minSize(int v) { minSize = v; return this; }
        public Builder contentLayer(String v) { contentLayer = v; return this; }
        public Builder styleLayers(List<String> v) { styleLayers = v; return this; }
        public Builder previewEvery(int v) { previewEvery = v; return this; }
        public Builder deadlineSeconds(long v) { deadlineSeconds = v; return this; }
        public Builder downscaleToFit(boolean v) { downscaleToFit = v; return this; }

        public TransferOptions build() {
            return new TransferOptions(size, iterations, optimizer, learningRate, contentWeight, styleWeight, tvWeight,
                    styleWeights, styleScale, init, seed, preserveColors, scales, minSize, contentLayer, styleLayers,
                    previewEvery, deadlineSeconds, downscaleToFit);
        }
    }
}
