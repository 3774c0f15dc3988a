package dev.pastiche.transfer;

import dev.pastiche.perception.ObjectiveLayers;
import dev.pastiche.perception.PerceptionModel;
import dev.pastiche.perception.StyleLoss;
import dev.pastiche.perception.StyleObjective;
import java.util.List;

/**
 * A run's peak native memory, estimated from its options before it starts, so that a request too
 * large for the machine is refused up front instead of dying mid-run.
 *
 * <p>Per stage, the larger of two phases. The style pass runs each style image forward without
 * autograd, one at a time, at {@code styleScale} times the stage's side, counted as a square of
 * that side since the styles' shapes are not known at admission. The optimisation runs the network
 * forward and backward on the image and keeps the optimiser's image-sized vectors. A run's estimate
 * is its largest stage's, with half the stage before it (what the allocator still holds), plus the
 * style targets and a fixed allowance. Sizes are in {@link StyleObjective#activationBytes} (every
 * layer output up to the deepest tap) and image vectors (3 × width × height floats).
 *
 * <p>Calibrated against measured peaks by {@code MemoryEstimateTests}: VGG19, the default layers,
 * 128 and 256 px, 1–4 styles, styleScale 1–3, Adam and L-BFGS, multi-scale, W2 and average
 * pooling, each run in a fresh JVM on the service's tuned jemalloc (docker/Dockerfile), its peak
 * taken as VmHWM less the RSS before it. The estimate came out 1.1–1.45 times the measured peak on
 * every configuration, never below it. Measured on the CPU only: on a GPU it is 1.0–1.2 times
 * PyTorch's own peak allocation (docs/performance.md).
 */
final class MemoryEstimate {

    /**
     * The style pass with one style, per byte of activations at the style side: the extractor closes
     * each untapped output once the next layer has it, so only the taps and the layers in flight
     * stay (0.34–0.42 measured).
     */
    static final double STYLE_PASS = 0.5;
    /**
     * The style pass with several styles: each pass finds the one before's freed blocks still with
     * the allocator (see {@link #PREVIOUS_STAGE}) and reuses only part of them (0.40–0.51 measured
     * with 2–8 styles).
     */
    static final double STYLE_PASS_SEVERAL = 0.56;
    /**
     * W2's style pass adds a centred copy of every style tap, made once the forward pass's larger
     * working set is gone (0.42–0.51 measured in all).
     */
    static final double W2_STYLE_PASS = 0.05;
    /**
     * The optimisation, per byte of activations: autograd keeps every layer's output for the
     * backward pass (the extractor's closing frees only the Java handles), which adds the gradients
     * of the layers in hand. Measured at 128² and 256²: 1.09, plus 31 MiB that do not grow with the
     * image, which {@link #OPTIMISATION_FIXED} and {@link #FIXED} cover together.
     */
    static final double OPTIMISATION = 1.3;
    static final long OPTIMISATION_FIXED = 24L << 20;
    /**
     * Besides tensors: oneDNN's primitives for the stage's shapes, images crossing JNI, DJL's
     * bookkeeping (the intercept of the measured peaks, with {@link #OPTIMISATION_FIXED}).
     */
    static final long FIXED = 18L << 20;
    /**
     * Of the stage before, what stays resident into a stage's peak: the pages a stage frees stay
     * with jemalloc for its decay time (10 s), and the next stage, whose blocks are twice as large,
     * reuses only part of them (measured 0.25–0.5 of the previous stage's peak).
     */
    static final double PREVIOUS_STAGE = 0.5;
    /**
     * Adam's image-sized vectors: m, v, x, the gradient and the update's temporaries, which DJL
     * frees when the step's scope closes. Each stage starts them afresh (carried, for the benchmark's
     * alternative, they are resized before the next stage's first evaluation), so no stage holds
     * both sizes at its peak.
     */
    static final int ADAM_VECTORS = 10;
    /**
     * L-BFGS: two vectors per history pair (y and s, {@link Lbfgs#HISTORY} pairs at most, one per
     * iteration), each rounded up to jemalloc's size class (at most a quarter more; measured 2.2 per
     * pair).
     */
    static final double LBFGS_VECTORS_PER_PAIR = 2.5;
    /**
     * L-BFGS besides its history: the line search keeps every point's gradient until the iteration
     * ends (26 at most), and the iterate, its gradient, the last step, the direction and the
     * recursion's temporaries.
     */
    static final int LBFGS_VECTORS = 40;
    /** The averaged image ({@code averageDecay}): its sum and the average made from it. */
    static final int AVERAGE_VECTORS = 2;
    /**
     * W2's optimisation, besides the network: the centred copy of every style tap, which the
     * covariances' backward pass needs ({@link StyleObjective#styleTapBytes}), and per style layer
     * about 17 C × C matrices an evaluation keeps until it ends (the covariance, its products with
     * the target's root, the square root's factors, the traces), with their gradients: 18–19
     * measured in all. The Newton–Schulz iterations run outside autograd and free their matrices as
     * they go.
     */
    static final int W2_MATRICES = 24;
    /** W2's targets per style layer: the mean, the covariance and its square root (C × C each). */
    static final int W2_TARGET_MATRICES = 3;
    /**
     * Masks, per style: the masked copy of every style tap, which the masked Gram's backward pass
     * needs, and its gradient while the backward pass runs through it (by the shapes, not yet
     * measured: see docs/performance.md).
     */
    static final int MASKED_TAP_COPIES = 2;
    /** Masks, per style and style layer: the masked Gram and its gradient (C × C each). */
    static final int MASKED_GRAM_MATRICES = 2;

    private MemoryEstimate() {
    }

    /** The largest stage's estimate, with what the stage before it left resident. */
    static long peakBytes(PerceptionModel model, ResolvedOptions options, int masks, int contentWidth, int contentHeight) {
        Schedule schedule = options.schedule();
        List<Integer> sides = Scales.longestSides(schedule.size(), schedule.scales(), schedule.minSize());
        int minimum = StyleObjective.smallestSide(model, options.layers());
        long peak = 0;
        long previous = 0;
        for (int k = 0; k < sides.size(); k++) {
            int[] dims = Scales.dimensions(contentWidth, contentHeight, sides.get(k));
            // as StyleTransferEngine sizes the styles
            int styleSide = Math.max(minimum, (int) Math.round(sides.get(k) * schedule.largestStyleScale()));
            long stage = stageBytes(model, options, masks, dims[0], dims[1], styleSide, schedule.iterationsOf(k, sides.size()));
            peak = Math.max(peak, stage + (long) (PREVIOUS_STAGE * previous));
            previous = stage;
        }
        long targets = 0;
        for (int c : StyleObjective.styleChannels(model, options.layers())) {
            // masked, each style keeps its own Gram
            targets += 4L * c * c * (options.layers().styleLoss() == StyleLoss.W2 ? W2_TARGET_MATRICES : Math.max(1, masks));
        }
        return peak + targets + FIXED;
    }

    /** A stage's larger phase: its style pass or its optimisation. */
    static long stageBytes(PerceptionModel model, ResolvedOptions options, int masks, int width, int height, int styleSide,
            int iterations) {
        ObjectiveLayers layers = options.layers();
        Optimisation optimisation = options.optimisation();
        boolean w2 = layers.styleLoss() == StyleLoss.W2;
        double styleFactor = (options.weights().styleWeights().size() == 1 ? STYLE_PASS : STYLE_PASS_SEVERAL) + (w2 ? W2_STYLE_PASS : 0);
        long stylePass = (long) (styleFactor * StyleObjective.activationBytes(model, layers, styleSide, styleSide));

        double vectors = optimisation.optimizer() == OptimizerType.LBFGS
                ? LBFGS_VECTORS_PER_PAIR * Math.min(Lbfgs.HISTORY, iterations) + LBFGS_VECTORS
                : ADAM_VECTORS;
        if (optimisation.averageDecay() > 0) {
            vectors += AVERAGE_VECTORS;
        }
        long optimisationPass = (long) (OPTIMISATION * StyleObjective.activationBytes(model, layers, width, height)) + OPTIMISATION_FIXED
                + (long) (vectors * 4 * 3 * width * height);
        if (masks > 0) {
            optimisationPass += (long) masks * MASKED_TAP_COPIES * StyleObjective.styleTapBytes(model, layers, width, height);
            for (int c : StyleObjective.styleChannels(model, layers)) {
                optimisationPass += 4L * c * c * MASKED_GRAM_MATRICES * masks;
            }
        }
        if (w2) {
            optimisationPass += StyleObjective.styleTapBytes(model, layers, width, height);
            for (int c : StyleObjective.styleChannels(model, layers)) {
                optimisationPass += 4L * c * c * W2_MATRICES;
            }
        }
        return Math.max(stylePass, optimisationPass);
    }
}
