package dev.pastiche.classifier;

import java.util.concurrent.ThreadLocalRandom;

/**
 * A classifier's options as sent (null = default) and, once {@link #resolve() resolved}, as trained.
 *
 * @param featureLayer {@code block5_pool} (default) or {@code fc7}
 * @param heldOutFraction the share of each class held out from training to measure accuracy on, 0–0.5 (default 0.2)
 * @param epochs passes over the training images, 1–1000 (default 50)
 * @param regularisation L2 weight decay, 0–1 (default 1e-4)
 * @param head {@code linear} (default) or {@code mlp}
 * @param hiddenUnits the MLP's hidden layer, 1–4096 (default 256; linear heads have none)
 * @param learningRate Adam's step size, (0, 1] (default 1e-3)
 * @param batchSize examples per step, 1–1024 (default 32)
 * @param seed decides the held-out split, the initial weights and the order of examples (default random; reported)
 */
public record ClassifierOptions(FeatureLayer featureLayer, Double heldOutFraction, Integer epochs, Double regularisation,
        HeadType head, Integer hiddenUnits, Double learningRate, Integer batchSize, Long seed) {

    static final double DEFAULT_HELD_OUT = 0.2;
    static final int DEFAULT_EPOCHS = 50;
    static final double DEFAULT_REGULARISATION = 1e-4;
    static final int DEFAULT_HIDDEN_UNITS = 256;
    static final double DEFAULT_LEARNING_RATE = 1e-3;
    static final int DEFAULT_BATCH_SIZE = 32;

    public static ClassifierOptions defaults() {
        return new ClassifierOptions(null, null, null, null, null, null, null, null, null);
    }

    /**
     * Every option filled in, checked.
     *
     * @throws InvalidTrainingSetException naming the first option out of range
     */
    public ClassifierOptions resolve() {
        double heldOut = heldOutFraction == null ? DEFAULT_HELD_OUT : heldOutFraction;
        check("heldOutFraction", heldOut);
        int epochCount = epochs == null ? DEFAULT_EPOCHS : epochs;
        check("epochs", epochCount);
        double decay = regularisation == null ? DEFAULT_REGULARISATION : regularisation;
        check("regularisation", decay);
        HeadType type = head == null ? HeadType.LINEAR : head;
        Integer hidden = null;
        if (type == HeadType.MLP) {
            hidden = hiddenUnits == null ? DEFAULT_HIDDEN_UNITS : hiddenUnits;
            check("hiddenUnits", hidden);
        } else {
            check(hiddenUnits == null, "hiddenUnits", "applies to head mlp only");
        }
        double rate = learningRate == null ? DEFAULT_LEARNING_RATE : learningRate;
        check("learningRate", rate);
        int batch = batchSize == null ? DEFAULT_BATCH_SIZE : batchSize;
        check("batchSize", batch);
        long usedSeed = seed == null ? ThreadLocalRandom.current().nextLong(1L << 53) : seed;
        return new ClassifierOptions(featureLayer == null ? FeatureLayer.BLOCK5_POOL : featureLayer, heldOut, epochCount, decay, type,
                hidden, rate, batch, usedSeed);
    }

    /** An option's accepted values: from {@code min} (excluded when {@code minExclusive}) to {@code max}. */
    public record Range(double min, boolean minExclusive, double max) {

        boolean contains(double value) {
            return (minExclusive ? value > min : value >= min) && value <= max;
        }

        String describe(double value) {
            String shown = value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value) : Double.toString(value);
            return minExclusive ? "must be in (" + format(min) + ", " + format(max) + "], got " + shown
                    : "must be between " + format(min) + " and " + format(max) + ", got " + shown;
        }

        private static String format(double v) {
            return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
        }
    }

    /** The ranges {@link #resolve()} checks, which the OpenAPI document states: written once. */
    public static final java.util.Map<String, Range> RANGES = java.util.Map.of(
            "heldOutFraction", new Range(0, false, 0.5),
            "epochs", new Range(1, false, 1000),
            "regularisation", new Range(0, false, 1),
            "hiddenUnits", new Range(1, false, 4096),
            "learningRate", new Range(0, true, 1),
            "batchSize", new Range(1, false, 1024));

    private static void check(String field, double value) {
        Range range = RANGES.get(field);
        check(range.contains(value), field, range.describe(value));
    }

    private static void check(boolean ok, String field, String message) {
        if (!ok) {
            throw new InvalidTrainingSetException("options." + field, message);
        }
    }
}
