package dev.pastiche.perception;

/** How a style layer's statistics are compared (API.md). */
public enum StyleLoss {
    /** Gatys et al.: mean squared difference of the Gram matrices. */
    GRAM,
    /** crowsonkb's Wasserstein-2 distance between Gaussians with the taps' channel means and covariances. */
    W2
}
