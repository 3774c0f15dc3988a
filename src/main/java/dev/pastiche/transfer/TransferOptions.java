package dev.pastiche.transfer;

import dev.pastiche.perception.LossWeights;
import dev.pastiche.perception.ObjectiveLayers;
import dev.pastiche.perception.ModelProperties;
import dev.pastiche.perception.Pooling;
import dev.pastiche.perception.StyleLoss;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The options of API.md as a user gives them: any field may be null and then takes its default.
 * {@link #resolve} validates them all at once, fills the defaults in and groups them.
 */
public record TransferOptions(Integer size, Integer iterations, Integer initialIterations, OptimizerType optimizer,
        Double learningRate, Double averageDecay, Double contentWeight, Double styleWeight, Double tvWeight,
        List<Double> styleWeights, List<Double> styleLayerWeights, Double styleScale, InitMode init, Long seed,
        Boolean preserveColors, Integer scales, Integer minSize, String contentLayer, List<String> styleLayers,
        StyleLoss styleLoss, Pooling pooling, Integer previewEvery, Long deadlineSeconds, Boolean downscaleToFit,
        ColorMode colorMode, List<Double> styleScales) {

    static final int DEFAULT_SIZE = 512;
    static final int DEFAULT_ITERATIONS = 300;
    /**
     * Stages before the last run this fraction of {@code iterations} by default: their job is a
     * good start for the full-size stage, which a tenth of the iterations already gives (the
     * time-to-loss measurements in docs/benchmarks.md).
     */
    static final double DEFAULT_INITIAL_FRACTION = 0.1;
    static final double DEFAULT_LEARNING_RATE = 0.02;
    static final double DEFAULT_STYLE_WEIGHT = 1e6;
    static final int DEFAULT_MIN_SIZE = 128;
    static final int DEFAULT_PREVIEW_EVERY = 25;
    /** Below this the deepest default style layer (after four pools) is too coarse to carry style. */
    static final int SMALLEST_SIZE = 32;
    static final int MAX_SCALES = 10;
    /** A loss weight above this only overflows the objective's float32 sums. */
    static final double MAX_WEIGHT = 1e12;

    /**
     * The ranges {@link #resolve} holds each numeric option to, by its name in API.md; for a list
     * option, the range of each of its items. The API's OpenAPI schema shows this same table.
     * {@code minSize} must also be at most {@code size}, and {@code initialIterations} is checked
     * against the same limit as {@code iterations}.
     */
    public static java.util.Map<String, OptionRange> ranges(TransferProperties limits) {
        java.util.Map<String, OptionRange> ranges = new java.util.LinkedHashMap<>();
        ranges.put("size", OptionRange.closed(SMALLEST_SIZE, limits.maxSize()));
        ranges.put("iterations", OptionRange.closed(1, limits.maxIterations()));
        ranges.put("initialIterations", OptionRange.closed(1, limits.maxIterations()));
        ranges.put("learningRate", new OptionRange(0, true, 10, false));
        ranges.put("averageDecay", new OptionRange(0, false, 1, true));
        ranges.put("contentWeight", OptionRange.closed(0, MAX_WEIGHT));
        ranges.put("styleWeight", OptionRange.closed(0, MAX_WEIGHT));
        ranges.put("tvWeight", OptionRange.closed(0, MAX_WEIGHT));
        ranges.put("styleWeights", OptionRange.atLeast(0));
        ranges.put("styleLayerWeights", OptionRange.closed(0, MAX_WEIGHT));
        ranges.put("styleScale", OptionRange.closed(0.1, 4));
        ranges.put("styleScales", OptionRange.closed(0.1, 4));
        ranges.put("scales", OptionRange.closed(1, MAX_SCALES));
        ranges.put("minSize", OptionRange.closed(SMALLEST_SIZE, limits.maxSize()));
        ranges.put("previewEvery", OptionRange.closed(1, Integer.MAX_VALUE));
        ranges.put("deadlineSeconds", OptionRange.atLeast(0));
        return ranges;
    }

    /** No option given: every default. */
    public static TransferOptions defaults() {
        return new TransferOptions(null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null, null, null);
    }

    /** {@link #resolve(int, boolean, TransferProperties, ModelProperties)} without masks. */
    public ResolvedOptions resolve(int styleCount, TransferProperties limits, ModelProperties model) {
        return resolve(styleCount, false, limits, model);
    }

    /**
     * @param masked whether the run has style masks (one per style, checked where they are decoded)
     * @param model the network, whose layers the layer options name and whose default layers they take
     * @throws InvalidOptionsException listing every invalid field
     */
    public ResolvedOptions resolve(int styleCount, boolean masked, TransferProperties limits, ModelProperties model) {
        List<InvalidOptionsException.FieldError> errors = new ArrayList<>();
        java.util.Map<String, OptionRange> ranges = ranges(limits);
        int resolvedSize = orDefault(size, DEFAULT_SIZE);
        check(errors, ranges, "size", resolvedSize);
        int resolvedIterations = orDefault(iterations, DEFAULT_ITERATIONS);
        check(errors, ranges, "iterations", resolvedIterations);
        int initial = orDefault(initialIterations, Math.max(1, (int) Math.round(resolvedIterations * DEFAULT_INITIAL_FRACTION)));
        check(errors, ranges, "initialIterations", initial);
        double rate = orDefault(learningRate, DEFAULT_LEARNING_RATE);
        check(errors, ranges, "learningRate", rate);
        double decay = orDefault(averageDecay, 0.0);
        check(errors, ranges, "averageDecay", decay);
        double cw = check(errors, ranges, "contentWeight", orDefault(contentWeight, 1.0));
        double sw = check(errors, ranges, "styleWeight", orDefault(styleWeight, DEFAULT_STYLE_WEIGHT));
        double tw = check(errors, ranges, "tvWeight", orDefault(tvWeight, 0.0));
        List<Double> blend = styleWeights(errors, styleCount, ranges.get("styleWeights"));
        double scale = styleScale == null ? 1.0 : styleScale;
        check(errors, ranges, "styleScale", scale);
        List<Double> scalesPerStyle = styleScales(errors, styleCount, scale, ranges.get("styleScales"));
        ColorMode color = colorMode(errors);
        int stages = orDefault(scales, 1);
        check(errors, ranges, "scales", stages);
        // the default follows a small size down, but stays valid itself: a bad size is reported once, as size
        int smallest = orDefault(minSize, Math.max(SMALLEST_SIZE, Math.min(DEFAULT_MIN_SIZE, resolvedSize)));
        range(errors, "minSize", smallest, SMALLEST_SIZE, Math.max(SMALLEST_SIZE, resolvedSize));
        int previews = orDefault(previewEvery, DEFAULT_PREVIEW_EVERY);
        check(errors, ranges, "previewEvery", previews);
        long deadline = deadlineSeconds == null ? 0 : deadlineSeconds;
        check(errors, ranges, "deadlineSeconds", deadline);
        String content = contentLayer == null ? model.contentLayer() : contentLayer;
        layer(errors, "contentLayer", model, content);
        List<String> style = styleLayers == null ? model.styleLayers() : styleLayers;
        if (style.isEmpty()) {
            errors.add(new InvalidOptionsException.FieldError("styleLayers", "must name at least one layer"));
        }
        style.forEach(l -> layer(errors, "styleLayers", model, l));
        List<Double> layerWeights = styleLayerWeights(errors, style.size(), ranges.get("styleLayerWeights"));
        if (styleCount < 1 || styleCount > limits.maxStyles()) {
            errors.add(new InvalidOptionsException.FieldError("style", "send 1 to " + limits.maxStyles() + " style images, got " + styleCount));
        }
        StyleLoss loss = orDefault(styleLoss, StyleLoss.GRAM);
        if (masked && loss != StyleLoss.GRAM) {
            errors.add(new InvalidOptionsException.FieldError("mask", "masks compare masked Gram matrices: use styleLoss gram, or send no masks"));
        }
        if (!errors.isEmpty()) {
            throw new InvalidOptionsException(errors);
        }
        // a seed in JavaScript's safe-integer range survives every JSON client unchanged
        long resolvedSeed = seed != null ? seed : ThreadLocalRandom.current().nextLong(1L << 53);
        return new ResolvedOptions(
                new Schedule(resolvedSize, stages, smallest, resolvedIterations, initial, scale, scalesPerStyle, deadline,
                        Boolean.TRUE.equals(downscaleToFit)),
                new Optimisation(orDefault(optimizer, OptimizerType.LBFGS), rate, decay, orDefault(init, InitMode.CONTENT), resolvedSeed),
                new ObjectiveLayers(content, style, loss, orDefault(pooling, Pooling.MAX)),
                new LossWeights(cw, sw, tw, blend, layerWeights),
                new Output(color == ColorMode.LUMINANCE, color, previews));
    }

    /** One scale per style, or {@code styleScale} for each. */
    private List<Double> styleScales(List<InvalidOptionsException.FieldError> errors, int styleCount, double scale, OptionRange each) {
        if (styleScales == null) {
            return java.util.Collections.nCopies(Math.max(styleCount, 0), scale);
        }
        if (styleScales.size() != styleCount) {
            errors.add(new InvalidOptionsException.FieldError("styleScales", "give one scale per style image: "
                    + styleCount + " styles but " + styleScales.size() + " scales"));
            return List.of();
        }
        for (Double s : styleScales) {
            if (s == null || !each.contains(s)) {
                errors.add(new InvalidOptionsException.FieldError("styleScales", "each scale must be " + each.describe() + ", got " + s));
                return List.of();
            }
        }
        return List.copyOf(styleScales);
    }

    /** {@code colorMode}, or {@code preserveColors} as the luminance mode it always meant. */
    private ColorMode colorMode(List<InvalidOptionsException.FieldError> errors) {
        if (Boolean.TRUE.equals(preserveColors) && colorMode != null && colorMode != ColorMode.LUMINANCE) {
            errors.add(new InvalidOptionsException.FieldError("preserveColors", "preserveColors true is colorMode luminance, but colorMode is "
                    + colorMode.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-') + "; send one of the two"));
        }
        return colorMode != null ? colorMode : Boolean.TRUE.equals(preserveColors) ? ColorMode.LUMINANCE : ColorMode.NONE;
    }

    private List<Double> styleLayerWeights(List<InvalidOptionsException.FieldError> errors, int layers, OptionRange each) {
        if (styleLayerWeights == null) {
            return java.util.Collections.nCopies(layers, 1.0);
        }
        if (styleLayerWeights.size() != layers) {
            errors.add(new InvalidOptionsException.FieldError("styleLayerWeights", "give one weight per style layer: "
                    + layers + " layers but " + styleLayerWeights.size() + " weights"));
            return List.of();
        }
        for (Double w : styleLayerWeights) {
            if (w == null || !each.contains(w)) {
                errors.add(new InvalidOptionsException.FieldError("styleLayerWeights", "each weight must be " + each.describe() + ", got " + w));
                return List.of();
            }
        }
        return List.copyOf(styleLayerWeights);
    }

    private List<Double> styleWeights(List<InvalidOptionsException.FieldError> errors, int styleCount, OptionRange each) {
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
            if (w == null || !Double.isFinite(w) || !each.contains(w)) {
                errors.add(new InvalidOptionsException.FieldError("styleWeights", "weights must be finite and " + each.describe() + ", got " + w));
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

    private static void layer(List<InvalidOptionsException.FieldError> errors, String field, ModelProperties model, String name) {
        String problem = model.tapProblem(name);
        if (problem != null) {
            errors.add(new InvalidOptionsException.FieldError(field, problem));
        }
    }

    /** {@code value} checked against its range in {@link #ranges}; returned for use. */
    private static double check(List<InvalidOptionsException.FieldError> errors, java.util.Map<String, OptionRange> ranges, String field,
            double value) {
        OptionRange range = ranges.get(field);
        if (!range.contains(value)) {
            errors.add(new InvalidOptionsException.FieldError(field, "must be " + range.describe() + ", got "
                    + (value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value) : Double.toString(value))));
        }
        return value;
    }

    private static void range(List<InvalidOptionsException.FieldError> errors, String field, long value, long min, long max) {
        if (value < min || value > max) {
            errors.add(new InvalidOptionsException.FieldError(field, "must be between " + min + " and " + max + ", got " + value));
        }
    }

    private static <T> T orDefault(T value, T fallback) {
        return value == null ? fallback : value;
    }
}
