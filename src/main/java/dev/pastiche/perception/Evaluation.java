package dev.pastiche.perception;

import ai.djl.ndarray.NDArray;

/** The gradient of the weighted total with respect to the image, and the loss terms at that point. */
public record Evaluation(NDArray gradient, LossTerms losses) {
}
