package dev.pastiche.image;

import jakarta.validation.constraints.Positive;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Limits on images accepted ({@code pastiche.image.*}). Bytes per upload are Spring's
 * {@code spring.servlet.multipart.max-file-size}.
 *
 * @param maxPixels width × height, checked from the header before any decoding
 */
@Validated
@ConfigurationProperties("pastiche.image")
public record ImageProperties(@DefaultValue("4194304") @Positive long maxPixels) {
}
