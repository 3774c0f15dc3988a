package dev.pastiche.transfer;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import java.util.List;

/**
 * How big the output is and how the work is spread over the coarse-to-fine stages (API.md).
 *
 * @param size longest side of the output
 * @param iterations optimiser iterations of the last (full-size) stage
 * @param initialIterations optimiser iterations of every stage before the last
 * @param styleScale the style images' longest side relative to each stage's
 * @param styleScales one such scale per style, overriding {@code styleScale} (Gatys et al.'s scale control)
 * @param deadlineSeconds 0 for none
 * @param downscaleToFit run smaller instead of refusing when the run does not fit the memory budget
 */
public record Schedule(int size, int scales, int minSize, int iterations,
        @JsonSetter(nulls = Nulls.AS_EMPTY) int initialIterations, double styleScale,
        List<Double> styleScales, long deadlineSeconds, boolean downscaleToFit) {

    public Schedule {
        // 0 only in a job stored before initialIterations existed (resolve gives at least 1): then every stage ran them all
        initialIterations = initialIterations == 0 ? iterations : initialIterations;
        // absent in a job stored before styleScales existed: every style at styleScale
        styleScales = styleScales == null ? List.of() : List.copyOf(styleScales);
    }

    /** Style {@code index}'s longest side relative to each stage's. */
    double styleScaleOf(int index) {
        return styleScales.isEmpty() ? styleScale : styleScales.get(index);
    }

    /** The largest style scale: the style pass's largest image. */
    double largestStyleScale() {
        return styleScales.stream().mapToDouble(Double::doubleValue).max().orElse(styleScale);
    }

    /** The same schedule at a smaller size (memory admission's downscale). */
    Schedule withSize(int newSize) {
        return new Schedule(newSize, scales, Math.min(minSize, newSize), iterations, initialIterations, styleScale, styleScales,
                deadlineSeconds, downscaleToFit);
    }

    /** Iterations of stage {@code index} of {@code stages}. */
    int iterationsOf(int index, int stages) {
        return index == stages - 1 ? iterations : initialIterations;
    }
}
