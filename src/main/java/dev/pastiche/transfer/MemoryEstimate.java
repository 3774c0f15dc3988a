package dev.pastiche.transfer;

import dev.pastiche.vgg.VggVariant;
import dev.pastiche.vgg.VggVariant.FeatureLayer;

/**
 * A run's peak native memory, estimated from its options before it starts, so that a request too
 * large for the machine is refused up front instead of dying mid-run.
 *
 * <p>Per stage: the activations autograd keeps for the backward pass (every layer's output up to
 * the deepest tap, counted {@value #ACTIVATION_FACTOR} times for the saved inputs, the gradients
 * flowing back and allocator slack), the optimiser's image-sized state (L-BFGS: 2 × history + 4
 * vectors; Adam: 5), and a fixed allowance for targets and the line search. Calibrated on VGG19
 * with Adam (BenchmarkSuite, CPU): a 256² run peaked at 630 MB and a 512² one at 1,196 MB of
 * process RSS, about 450 MB of process plus 1.2 × the activation sum; the factor keeps a margin.
 */
final class MemoryEstimate {

    static final double ACTIVATION_FACTOR = 2.0;
    static final long FIXED = 256L << 20;

    private MemoryEstimate() {
    }

    static long bytes(VggVariant variant, int width, int height, ResolvedOptions options) {
        int deepest = variant.tapIndex(options.contentLayer());
        for (String layer : options.styleLayers()) {
            deepest = Math.max(deepest, variant.tapIndex(layer));
        }
        long activations = 0;
        long h = height;
        long w = width;
        for (FeatureLayer layer : variant.featureLayers().subList(0, deepest + 1)) {
            if (layer.kind() == dev.pastiche.vgg.LayerKind.MAXPOOL) {
                h /= 2;
                w /= 2;
            }
            activations += layer.outChannels() * h * w;
        }
        long image = 3L * width * height;
        long optimizerVectors = options.optimizer() == OptimizerType.LBFGS ? 2L * Lbfgs.HISTORY + 4 : 5;
        return (long) (4 * ACTIVATION_FACTOR * activations) + 4 * optimizerVectors * image + FIXED;
    }
}
