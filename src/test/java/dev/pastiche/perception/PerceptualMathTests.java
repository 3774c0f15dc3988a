package dev.pastiche.perception;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** API.md's definitions on tensors small enough to compute by hand. */
class PerceptualMathTests {

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    /** C=2, H=1, W=2: channel 0 = (1, 2), channel 1 = (3, 4). */
    private NDArray a() {
        return manager.create(new float[] {1, 2, 3, 4}, new Shape(2, 1, 2));
    }

    /** channel 0 = (0, 2), channel 1 = (3, 0). */
    private NDArray b() {
        return manager.create(new float[] {0, 2, 3, 0}, new Shape(2, 1, 2));
    }

    @Test
    void gramIsFFtOverCHW() {
        // F·Fᵀ = [[1+4, 3+8], [3+8, 9+16]] = [[5, 11], [11, 25]]; C·H·W = 4
        assertThat(PerceptualMath.gram(a()).toFloatArray()).containsExactly(1.25f, 2.75f, 2.75f, 6.25f);
    }

    @Test
    void contentIsMeanSquaredDifference() {
        // differences (1, 0, 0, 4) → (1 + 16) / 4
        assertThat(PerceptualMath.content(a(), b())).isCloseTo(17.0 / 4, within(1e-6));
    }

    @Test
    void styleIsMeanSquaredGramDifference() {
        // G(b) = [[4, 0], [0, 9]] / 4 = [[1, 0], [0, 2.25]]; G(a) − G(b) = [[0.25, 2.75], [2.75, 4]]
        double expected = (0.25 * 0.25 + 2 * 2.75 * 2.75 + 4 * 4) / 4;
        assertThat(PerceptualMath.style(a(), b())).isCloseTo(expected, within(1e-6));
    }

    @Test
    void featuresCompareChannelNormalisedActivations() {
        // position 0: a = (1, 3)/√10, b = (0, 3)/3 = (0, 1); position 1: a = (2, 4)/√20, b = (2, 0)/2 = (1, 0)
        double p0 = Math.pow(1 / Math.sqrt(10), 2) + Math.pow(3 / Math.sqrt(10) - 1, 2);
        double p1 = Math.pow(2 / Math.sqrt(20) - 1, 2) + Math.pow(4 / Math.sqrt(20), 2);
        assertThat(PerceptualMath.features(a(), b())).isCloseTo((p0 + p1) / 2, within(1e-6));
    }

    @Test
    void identicalTapsGiveZeroAndDistancesAreSymmetric() {
        NDArray x = manager.randomNormal(new Shape(8, 5, 7)).abs();
        NDArray y = manager.randomNormal(new Shape(8, 5, 7)).abs();
        assertThat(PerceptualMath.content(x, x)).isZero();
        assertThat(PerceptualMath.style(x, x)).isZero();
        assertThat(PerceptualMath.features(x, x)).isZero();
        assertThat(PerceptualMath.content(x, y)).isPositive().isCloseTo(PerceptualMath.content(y, x), within(1e-7));
        assertThat(PerceptualMath.style(x, y)).isPositive().isCloseTo(PerceptualMath.style(y, x), within(1e-9));
        assertThat(PerceptualMath.features(x, y)).isPositive().isCloseTo(PerceptualMath.features(y, x), within(1e-6));
    }

    @Test
    void allZeroActivationsDoNotDivideByZero() {
        NDArray zeros = manager.zeros(new Shape(3, 2, 2));
        NDArray ones = manager.ones(new Shape(3, 2, 2));
        // the 1e-10 keeps 0/0 out: a zero vector normalises to zero, so the distance is |unit(ones)|² = 1
        assertThat(PerceptualMath.features(zeros, ones)).isCloseTo(1.0, within(1e-6));
    }
}
