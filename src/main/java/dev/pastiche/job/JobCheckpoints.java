package dev.pastiche.job;

import dev.pastiche.storage.BlobStore;
import dev.pastiche.transfer.TransferCheckpoint;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * A job's latest checkpoint: a blob (the engine's {@link TransferCheckpoint} bytes) whose key is on
 * the job's row. One at a time: a new one replaces the last, and a finished or deleted job has none.
 */
@Component
class JobCheckpoints {

    private static final Logger log = LoggerFactory.getLogger(JobCheckpoints.class);

    private final JobRepository jobs;
    private final BlobStore blobs;
    private final JobMetrics metrics;

    JobCheckpoints(JobRepository jobs, BlobStore blobs, JobMetrics metrics) {
        this.jobs = jobs;
        this.blobs = blobs;
        this.metrics = metrics;
    }

    /** The job's checkpoint, if it has a readable one; an unreadable or missing one is dropped and the job starts over. */
    Optional<TransferCheckpoint> latest(UUID id) {
        String key = jobs.checkpoint(id).orElse(null);
        if (key == null) {
            return Optional.empty();
        }
        try {
            Optional<TransferCheckpoint> checkpoint = blobs.get(key).map(TransferCheckpoint::fromBytes);
            if (checkpoint.isPresent()) {
                log.info("Style-transfer job {} goes on from its checkpoint at stage {}, iteration {}", id, checkpoint.get().stage() + 1,
                        checkpoint.get().iteration());
                return checkpoint;
            }
            log.warn("Style-transfer job {}: its checkpoint blob is missing; starting over", id);
        } catch (IllegalArgumentException e) {
            log.warn("Style-transfer job {}: its checkpoint is unreadable ({}); starting over", id, e.getMessage());
        }
        drop(id);
        return Optional.empty();
    }

    /** Stores the checkpoint and points the running job at it, then deletes the one it replaces. */
    void store(UUID id, TransferCheckpoint checkpoint) {
        long start = System.nanoTime();
        byte[] bytes = checkpoint.toBytes();
        String previous = jobs.checkpoint(id).orElse(null);
        String key = blobs.put(bytes);
        if (!jobs.checkpoint(id, key)) {
            // the job ended meanwhile (cancelled, deleted): nothing points at this one
            deleteUnreferenced(key);
        } else if (previous != null && !previous.equals(key)) {
            deleteUnreferenced(previous);
        }
        metrics.checkpointWritten(bytes.length, Duration.ofNanos(System.nanoTime() - start));
    }

    /** Removes the job's checkpoint: it finished, or is being deleted. */
    void drop(UUID id) {
        jobs.checkpoint(id).ifPresent(key -> {
            jobs.clearCheckpoint(id);
            deleteUnreferenced(key);
        });
    }

    private void deleteUnreferenced(String key) {
        if (!jobs.referenced(key)) {
            blobs.delete(key);
        }
    }
}
