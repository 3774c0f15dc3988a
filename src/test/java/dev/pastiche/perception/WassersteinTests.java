package dev.pastiche.perception;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The W2 style term's numerics (API.md): zero between a tap and itself, the closed form between
 * two Gaussians, and finite where the raw-moment covariance {@code srm − μμᵀ} cancels to noise
 * (large means, small variances: deep ReLU taps of flat images); the square root's gradient, and
 * that it stays finite where a covariance is nearly singular; and an image that stopped being
 * finite is refused rather than delivered black.
 */
class WassersteinTests {

    /** A (C, H, W) tap whose channel c is {@code mean_c + scale_c · noise}. */
    private static NDArray tap(NDManager manager, int c, int hw, double mean, double spread, long seed) {
        Random random = new Random(seed);
        float[] values = new float[c * hw];
        for (int ch = 0; ch < c; ch++) {
            double scale = spread * (1 + ch % 3);
            for (int p = 0; p < hw; p++) {
                values[ch * hw + p] = (float) (mean * (1 + 0.1 * ch) + scale * random.nextGaussian());
            }
        }
        return manager.create(values, new Shape(c, hw / 8, 8));
    }

    private static double w2(NDManager manager, NDArray a, NDArray b) {
        StyleObjective.StyleTarget target = StyleObjective.wassersteinTarget(List.of(StyleObjective.channelMean(b)),
                List.of(StyleObjective.centredCovariance(b)), List.of(1.0), manager);
        return StyleObjective.wasserstein(a, target).getFloat();
    }

    @Test
    void anImageHoldingNaNIsRefusedNotRoundedToBlack() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray image = manager.create(new float[] {0.2f, Float.NaN, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f, 0.9f, 1f, 0f, 0.1f, 0.3f},
                    new Shape(1, 3, 2, 2));

            assertThatThrownBy(() -> ImageTensors.toImage(image)).isInstanceOf(ArithmeticException.class);
        }
    }

    @Test
    void aTapIsAtDistanceZeroFromItself() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray a = tap(manager, 32, 256, 0.5, 0.3, 1);
            assertThat(w2(manager, a, a)).isCloseTo(0, within(1e-4));
        }
    }

    @Test
    void largeMeansWithSmallSpreadsGiveAFiniteTermNotNaN() {
        try (NDManager manager = NDManager.newBaseManager()) {
            // srm ≈ 1e6 while the variances are 1e-4: float32's raw-moment difference is pure rounding
            NDArray a = tap(manager, 64, 64, 1000, 0.01, 2);
            NDArray b = tap(manager, 64, 64, 1000, 0.01, 3);

            double distance = w2(manager, a, b);

            assertThat(distance).isFinite().isNotNegative();
            assertThat(w2(manager, a, a)).isCloseTo(0, within(1e-3));
        }
    }

    @Test
    void betweenTwoGaussiansWithDiagonalCovariancesItIsTheClosedForm() {
        try (NDManager manager = NDManager.newBaseManager()) {
            // channel means 1 and 3, every channel variance 4 against 1: per channel (μa − μb)² + (σa − σb)², over C
            int c = 4;
            int hw = 4096;
            Random random = new Random(5);
            float[] va = new float[c * hw];
            float[] vb = new float[c * hw];
            for (int i = 0; i < c * hw; i++) {
                va[i] = (float) (1 + 2 * random.nextGaussian());
                vb[i] = (float) (3 + random.nextGaussian());
            }
            NDArray a = manager.create(va, new Shape(c, hw / 64, 64));
            NDArray b = manager.create(vb, new Shape(c, hw / 64, 64));

            // sample statistics wander by a few per cent at 4096 positions
            assertThat(w2(manager, a, b)).isCloseTo(4 + 1, within(0.25));
        }
    }

    @Test
    void theSquareRootsTraceHasTheGradientHalfTheInverseRoot() {
        try (NDManager manager = NDManager.newBaseManager()) {
            // a symmetric positive definite 8×8: B·Bᵀ/8 + 0.1·I
            int c = 8;
            Random random = new Random(11);
            float[] values = new float[c * c];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) random.nextGaussian();
            }
            NDArray b = manager.create(values, new Shape(c, c));
            NDArray m = b.matMul(b.transpose()).div(8f).add(manager.eye(c).mul(0.1f));
            NDArray gradient;
            try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                m.setRequiresGradient(true);
                collector.backward(StyleObjective.traceOfSquareRoot(m));
            }
            gradient = m.getGradient();
            // central differences along symmetric perturbations E = h·(e_i e_jᵀ + e_j e_iᵀ)
            float h = 1e-2f;
            float[] g = gradient.toFloatArray();
            for (int[] ij : new int[][] {{0, 0}, {2, 5}, {7, 7}, {3, 4}}) {
                float[] e = new float[c * c];
                e[ij[0] * c + ij[1]] += h;
                e[ij[1] * c + ij[0]] += h;
                NDArray step = manager.create(e, new Shape(c, c));
                double up = StyleObjective.traceOfSquareRoot(m.stopGradient().add(step)).getFloat();
                double down = StyleObjective.traceOfSquareRoot(m.stopGradient().sub(step)).getFloat();
                double numeric = (up - down) / 2;
                double analytic = h * (ij[0] == ij[1] ? 2 * g[ij[0] * c + ij[1]] : g[ij[0] * c + ij[1]] + g[ij[1] * c + ij[0]]);
                assertThat(analytic).as("entry %d,%d", ij[0], ij[1]).isCloseTo(numeric, within(2e-3 * Math.abs(numeric) + 1e-5));
            }
        }
    }

    @Test
    void aNearlySingularCovarianceStillGivesAFiniteGradient() {
        try (NDManager manager = NDManager.newBaseManager()) {
            // 128 channels at 2×2 positions (a deep tap of a small image): covariance of rank 3, plus ε·I
            NDArray style = tap(manager, 128, 32, 0.8, 0.5, 4);
            NDArray image = tap(manager, 128, 32, 0.2, 0.05, 5).get(":, :2, :2");
            StyleObjective.StyleTarget target = StyleObjective.wassersteinTarget(List.of(StyleObjective.channelMean(style)),
                    List.of(StyleObjective.centredCovariance(style)), List.of(1.0), manager);
            NDArray leaf = image.duplicate();
            NDArray loss;
            try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                leaf.setRequiresGradient(true);
                loss = StyleObjective.wasserstein(leaf, target);
                collector.backward(loss);
            }

            assertThat(loss.getFloat()).isFinite().isPositive();
            for (float v : leaf.getGradient().toFloatArray()) {
                assertThat(v).isFinite();
            }
        }
    }
}
