package dev.pastiche.perception;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The W2 style term's numerics (API.md): zero between a tap and itself, the closed form between
 * two Gaussians, and finite where the raw-moment covariance {@code srm − μμᵀ} cancels to noise
 * (large means, small variances: deep ReLU taps of flat images); and an image that stopped being
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
}
