package dev.pastiche.classifier;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Transfer-learning limits ({@code pastiche.classifiers.*}), all checked before any image is decoded.
 *
 * @param maxClasses labels per classifier (issue 17: 2–100)
 * @param maxImages images per classifier (issue 17: up to 5,000)
 * @param maxZipEntries entries a zip may hold, folders included
 * @param maxUncompressed the bytes a zip may inflate to in all, counted while it is read (a zip bomb stops there)
 * @param maxLabelLength characters in a label
 * @param maxQueued classifiers waiting to train before new ones get 503 {@code queue-full}
 * @param inputSize the side of the square every image is resized to before the network
 * @param featureBatch images per forward pass while extracting features
 */
@Validated
@ConfigurationProperties("pastiche.classifiers")
public record ClassifiersProperties(
        @DefaultValue("100") @Min(2) int maxClasses,
        @DefaultValue("5000") @Positive int maxImages,
        @DefaultValue("10000") @Positive int maxZipEntries,
        @DefaultValue("256MB") @NotNull DataSize maxUncompressed,
        @DefaultValue("100") @Positive int maxLabelLength,
        @DefaultValue("20") @Positive int maxQueued,
        @DefaultValue("224") @Min(32) @Max(1024) int inputSize,
        @DefaultValue("16") @Positive int featureBatch) {
}
