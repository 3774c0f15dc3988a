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
 * <p>Per stage, the larger of two phases. The style pass: one style image at a time (its taps die
 * before the next one's forward pass), forward only, at {@code styleScale} times the stage's side,
 * counted as a square of that side since the styles' shapes are not known at admission. The
 * optimisation: the activations autograd keeps for the backward pass (every layer output up to the
 * deepest tap, counted {@value #ACTIVATION_FACTOR} times for the saved inputs, the gradients flowing
 * back and allocator slack), the optimiser's image-sized state (L-BFGS: 2 × history + 6 vectors;
 * Adam: 6, with its moments carried between stages; the average 2 more), and the style targets
 * (C × C per layer; W2 keeps three and its Newton–Schulz iterations make a dozen per evaluation).
 * Plus a fixed allowance for the process's own tensors. Calibrated on VGG19 with Adam
 * (BenchmarkSuite, CPU): a 256² run peaked at 630 MB and a 512² one at 1,196 MB of process RSS.
 */
final class MemoryEstimate {

    static final double ACTIVATION_FACTOR = 2.0;
    static final long FIXED = 256L << 20;

    private MemoryEstimate() {
    }

    /** The largest stage's estimate. */
    static long peakBytes(PerceptionModel model, ResolvedOptions options, int contentWidth, int contentHeight) {
        Schedule schedule = options.schedule();
        long peak = 0;
        for (int side : Scales.longestSides(schedule.size(), schedule.scales(), schedule.minSize())) {
            int[] dims = Scales.dimensions(contentWidth, contentHeight, side);
            int styleSide = (int) Math.round(side * schedule.styleScale());
            peak = Math.max(peak, stageBytes(model, options, dims[0], dims[1], styleSide));
        }
        return peak;
    }

    static long stageBytes(PerceptionModel model, ResolvedOptions options, int width, int height, int styleSide) {
        ObjectiveLayers layers = options.layers();
        long stylePass = StyleObjective.activationBytes(model, layers, styleSide, styleSide);
        long activations = (long) (ACTIVATION_FACTOR * StyleObjective.activationBytes(model, layers, width, height));
        long image = 4L * 3 * width * height;
        long vectors = options.optimisation().optimizer() == OptimizerType.LBFGS ? 2L * Lbfgs.HISTORY + 6 : 6;
        if (options.optimisation().averageDecay() > 0) {
            vectors += 2;
        }
        long targets = 0;
        List<Integer> channels = StyleObjective.styleChannels(model, layers);
        for (int c : channels) {
            targets += 4L * c * c * (layers.styleLoss() == StyleLoss.W2 ? 3 + 12 : 1);
        }
        return Math.max(stylePass, activations + vectors * image) + targets + FIXED;
    }
}
