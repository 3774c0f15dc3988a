package dev.pastiche.job;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The job queue ({@code pastiche.jobs.*}).
 *
 * @param maxQueued jobs waiting before new ones get 503 {@code queue-full}
 * @param progressInterval the least time between two progress writes of a running job
 * @param retention how long finished jobs and their images are kept
 * @param checkpointInterval the least time between two checkpoints of a running job (docs/reliability.md)
 * @param orphanCheck how often every node looks for unfinished jobs that JobRunr will not run again
 */
@Validated
@ConfigurationProperties("pastiche.jobs")
public record JobsProperties(
        @DefaultValue("100") @Positive int maxQueued,
        @DefaultValue("500ms") @NotNull Duration progressInterval,
        @DefaultValue("7d") @NotNull Duration retention,
        @DefaultValue("30s") @NotNull Duration checkpointInterval,
        @DefaultValue("1m") @NotNull Duration orphanCheck) {
}
