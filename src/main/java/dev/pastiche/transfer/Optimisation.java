package dev.pastiche.transfer;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;

/**
 * The optimiser and where it starts.
 *
 * @param learningRate Adam's step size
 * @param averageDecay decay of the exponential moving average of the image that is delivered
 *     instead of the last iterate (crowsonkb's style-transfer-pytorch); 0 for off, and in jobs
 *     stored before it existed
 * @param seed of the noise initialisation; every run reports the one it used
 */
public record Optimisation(OptimizerType optimizer, double learningRate,
        @JsonSetter(nulls = Nulls.AS_EMPTY) double averageDecay, InitMode init, long seed) {
}
