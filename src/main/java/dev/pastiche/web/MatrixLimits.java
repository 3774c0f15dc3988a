package dev.pastiche.web;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Positive;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Limits of {@code POST /v1/perceptual-distance-matrix} ({@code pastiche.scoring.matrix.*}),
 * checked from the multipart parts and the images' headers before any image is decoded.
 *
 * @param maxImages image and reference parts together (API.md: 2–64)
 * @param maxPixels width × height summed over them: the call keeps each image's statistics (at
 *     224², about 27 MB with every metric) until the pairs are compared, so this bounds its memory
 *     (the default, 2²⁰, is 20 images of 224², about 0.6 GB)
 */
@Validated
@ConfigurationProperties("pastiche.scoring.matrix")
record MatrixLimits(@DefaultValue("64") @Min(2) int maxImages, @DefaultValue("1048576") @Positive long maxPixels) {
}
