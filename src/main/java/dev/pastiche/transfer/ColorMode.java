package dev.pastiche.transfer;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What the run does with colour (API.md's {@code colorMode}; Gatys et al., "Preserving Color in
 * Neural Artistic Style Transfer", 2016, and "Controlling Perceptual Factors in Neural Style
 * Transfer", 2017).
 */
public enum ColorMode {
    /** The style's colours, as optimised. */
    NONE,
    /** The output's luminance with the content's chrominance ({@code preserveColors: true}). */
    LUMINANCE,
    /** Each style's colours moved to the content's mean and covariance before the run. */
    HISTOGRAM,
    /** Optimised on luminance alone (each style's matched to the content's), delivered with the content's chrominance. */
    @JsonProperty("luminance-only")
    LUMINANCE_ONLY
}
