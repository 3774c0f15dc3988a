package dev.pastiche.job;

import java.util.List;
import java.util.UUID;

/** A batch and its jobs, ordered by label. */
public record Batch(UUID id, BatchMode mode, List<JobRecord> jobs) {
}
