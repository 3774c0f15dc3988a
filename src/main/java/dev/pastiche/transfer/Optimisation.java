package dev.pastiche.transfer;

/**
 * The optimiser and where it starts.
 *
 * @param learningRate Adam's step size
 * @param averageDecay decay of the exponential moving average of the image that is delivered
 *     instead of the last iterate (crowsonkb's style-transfer-pytorch); 0 for off
 * @param seed of the noise initialisation; every run reports the one it used
 */
public record Optimisation(OptimizerType optimizer, double learningRate, double averageDecay, InitMode init, long seed) {
}
