package dev.pastiche.transfer;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Limits on style-transfer runs ({@code pastiche.transfer.*}), enforced before a run starts.
 *
 * @param maxSize the largest {@code size} (longest output side) accepted
 * @param maxIterations the largest {@code iterations} per scale
 * @param maxStyles style images per run (API.md: 1–8)
 * @param memoryBudget the estimated peak memory a run may need (host RAM on CPU, GPU memory on GPU)
 */
@Validated
@ConfigurationProperties("pastiche.transfer")
public record TransferProperties(
        @DefaultValue("2048") @Positive int maxSize,
        @DefaultValue("5000") @Positive int maxIterations,
        @DefaultValue("8") @Positive int maxStyles,
        @DefaultValue("8GB") @NotNull DataSize memoryBudget) {
}
