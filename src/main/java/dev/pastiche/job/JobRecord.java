package dev.pastiche.job;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A row of {@code style_transfer_job}. JSON columns stay strings here: the options as resolved,
 * the latest progress, the result summary, the recipe.
 *
 * @param maskBlobs the style masks' blob keys, one per style, or none
 * @param eventSeq numbers every change a client can observe (SSE event ids)
 * @param batchLabel within a batch, which inputs the job combines (e.g. {@code content-01_style-02})
 */
public record JobRecord(UUID id, String owner, JobStatus status, Instant createdAt, Instant startedAt, Instant finishedAt,
        String options, String contentBlob, List<String> styleBlobs, List<String> maskBlobs, String progress, String previewBlob, String resultBlob,
        String result, String errorType, String errorDetail, boolean cancelRequested, String idempotencyKey, String requestHash,
        long eventSeq, String recipe, UUID batchId, String batchLabel) {

    public JobRecord {
        maskBlobs = maskBlobs == null ? List.of() : List.copyOf(maskBlobs);
    }
}
