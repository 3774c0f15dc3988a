package dev.pastiche.transfer;

import ai.djl.ndarray.NDArray;

/** The loss terms at a point and the gradient of the weighted total with respect to the image. */
record Evaluation(NDArray gradient, Losses losses) {
}
