package dev.pastiche.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Coarse-to-fine stage sizes (API.md: each ×√2 up to {@code size}, from {@code minSize}). */
class ScalesTests {

    @Test
    void threeScalesOf512StepBySquareRootOfTwo() {
        assertThat(Scales.longestSides(512, 3, 128)).containsExactly(256, 362, 512);
    }

    @Test
    void oneScaleIsJustTheSize() {
        assertThat(Scales.longestSides(300, 1, 128)).containsExactly(300);
    }

    @Test
    void moreScalesThanTheProgressionAllowsStopAtMinSize() {
        assertThat(Scales.longestSides(512, 10, 128)).containsExactly(128, 181, 256, 362, 512);
        assertThat(Scales.longestSides(200, 10, 128)).containsExactly(141, 200);
    }

    @Test
    void theLastStageIsAlwaysTheSizeEvenBelowMinSize() {
        assertThat(Scales.longestSides(100, 4, 128)).containsExactly(100);
    }

    @ParameterizedTest(name = "{0}×{1} at {2} → {3}×{4}")
    @CsvSource({
            "96, 64, 64, 64, 43",
            "64, 96, 64, 43, 64",
            "640, 480, 512, 512, 384",
            "100, 100, 45, 45, 45",
            "30, 20, 90, 90, 60", // upscaling
            "1000, 10, 64, 64, 1"}) // never below one pixel
    void dimensionsGiveTheLongestSideAndKeepTheAspectRatio(int width, int height, int side, int expectedWidth, int expectedHeight) {
        int[] dims = Scales.dimensions(width, height, side);

        assertThat(dims).containsExactly(expectedWidth, expectedHeight);
        assertThat(Math.max(dims[0], dims[1])).isEqualTo(side);
        if (Math.min(dims[0], dims[1]) > 1) {
            // rounding the shorter side moves the ratio by at most half a pixel's worth
            assertThat((double) dims[0] / dims[1]).isCloseTo((double) width / height,
                    within(0.5 * side / Math.pow(Math.min(dims[0], dims[1]), 2) + 1e-9));
        }
    }
}
