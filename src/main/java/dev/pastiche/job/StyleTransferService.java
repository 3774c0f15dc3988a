package dev.pastiche.job;

import dev.pastiche.image.ImageDecoder;
import dev.pastiche.image.RgbImage;
import dev.pastiche.storage.BlobStore;
import dev.pastiche.transfer.ResolvedOptions;
import dev.pastiche.transfer.StyleTransferEngine;
import dev.pastiche.transfer.TransferOptions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jobrunr.scheduling.JobRequestScheduler;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Service;
import tools.jackson.databind.json.JsonMapper;

/**
 * Style-transfer jobs: submission (validated and admitted before anything is stored, inputs stored
 * and flushed before the job is queued), lookup by owner, cancellation and deletion.
 */
@Service
public class StyleTransferService {

    private final JobRepository jobs;
    private final BlobStore blobs;
    private final ImageDecoder decoder;
    private final StyleTransferEngine engine;
    private final JobRequestScheduler scheduler;
    private final JsonMapper json;
    private final JobsProperties properties;
    private final JobMetrics metrics;

    StyleTransferService(JobRepository jobs, BlobStore blobs, ImageDecoder decoder, StyleTransferEngine engine,
            JobRequestScheduler scheduler, JsonMapper json, JobsProperties properties, JobMetrics metrics) {
        this.jobs = jobs;
        this.blobs = blobs;
        this.decoder = decoder;
        this.engine = engine;
        this.scheduler = scheduler;
        this.json = json;
        this.properties = properties;
        this.metrics = metrics;
    }

    /**
     * A new job: the images as uploaded, options as parsed, the format of the result. With an
     * idempotency key, a repeat of the same request returns the first job and a different request
     * under the same key is refused.
     */
    public JobRecord submit(String owner, String idempotencyKey, byte[] content, List<byte[]> styles, TransferOptions options,
            String outputFormat) {
        String requestHash = requestHash(content, styles, options, outputFormat);
        if (idempotencyKey != null) {
            Optional<JobRecord> first = jobs.findByIdempotencyKey(owner, idempotencyKey);
            if (first.isPresent()) {
                return replay(first.get(), idempotencyKey, requestHash);
            }
        }
        ResolvedOptions resolved;
        String format;
        try {
            RgbImage contentImage = decoder.decode(content, "content");
            for (int i = 0; i < styles.size(); i++) {
                decoder.decode(styles.get(i), "style[" + i + "]");
            }
            resolved = engine.admit(engine.resolve(options, styles.size()), contentImage.width(), contentImage.height());
            format = JobOptions.checkFormat(outputFormat);
        } catch (RuntimeException e) {
            metrics.rejected("invalid");
            throw e;
        }
        if (jobs.countQueued() >= properties.maxQueued()) {
            metrics.rejected("queue-full");
            throw new QueueFullException(properties.maxQueued());
        }
        String contentKey = blobs.put(content);
        List<String> styleKeys = new ArrayList<>();
        for (byte[] style : styles) {
            styleKeys.add(blobs.put(style));
        }
        UUID id = UUID.randomUUID();
        // microseconds: what both H2 and PostgreSQL store, so a row reads back as written
        JobRecord job = new JobRecord(id, owner, JobStatus.QUEUED, Instant.now().truncatedTo(ChronoUnit.MICROS), null, null,
                json.writeValueAsString(new JobOptions(resolved, format)), contentKey, styleKeys, null, null, null, null, null, null,
                false, idempotencyKey, requestHash, 0, null);
        try {
            jobs.insert(job);
        } catch (DuplicateKeyException e) {
            // the same key raced in from another request: the first one to commit wins
            return replay(jobs.findByIdempotencyKey(owner, idempotencyKey).orElseThrow(() -> e), idempotencyKey, requestHash);
        }
        scheduler.enqueue(id, new StyleTransferJobRequest(id));
        return job;
    }

    private static JobRecord replay(JobRecord first, String key, String requestHash) {
        if (!first.requestHash().equals(requestHash)) {
            throw new IdempotencyConflictException(key);
        }
        return first;
    }

    /** SHA-256 over the images' bytes and the options as parsed, so formatting of the JSON does not matter. */
    private String requestHash(byte[] content, List<byte[]> styles, TransferOptions options, String outputFormat) {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        // lengths first, so that no two different lists of images hash alike
        digest.update(intBytes(content.length));
        digest.update(content);
        for (byte[] style : styles) {
            digest.update(intBytes(style.length));
            digest.update(style);
        }
        digest.update(json.writeValueAsBytes(options));
        digest.update(String.valueOf(outputFormat).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest.digest());
    }

    private static byte[] intBytes(int value) {
        return java.nio.ByteBuffer.allocate(4).putInt(value).array();
    }

    public JobRecord get(String owner, UUID id) {
        return jobs.find(id).filter(job -> job.owner().equals(owner)).orElseThrow(() -> new JobNotFoundException(id));
    }

    /** A page of the owner's jobs, newest first, after the job {@code cursor} (exclusive). */
    public List<JobRecord> page(String owner, JobStatus status, UUID cursor, int limit) {
        JobRecord after = cursor == null ? null : get(owner, cursor);
        return jobs.page(owner, status, after, limit);
    }

    /** Idempotent: a queued job is cancelled at once, a running one within an iteration, a finished one is unchanged. */
    public JobRecord cancel(String owner, UUID id) {
        get(owner, id);
        jobs.cancel(id, Instant.now());
        return get(owner, id);
    }

    /** Cancels the job if needed, removes it and every image no other job uses. */
    public void delete(String owner, UUID id) {
        JobRecord job = get(owner, id);
        jobs.cancel(id, Instant.now());
        jobs.delete(id);
        try {
            scheduler.delete(id);
        } catch (org.jobrunr.storage.JobNotFoundException e) {
            // JobRunr already forgot it
        }
        Set<String> keys = new LinkedHashSet<>(job.styleBlobs());
        keys.add(job.contentBlob());
        Optional.ofNullable(job.previewBlob()).ifPresent(keys::add);
        Optional.ofNullable(job.resultBlob()).ifPresent(keys::add);
        keys.stream().filter(key -> !jobs.referenced(key)).forEach(blobs::delete);
    }

    public byte[] result(String owner, UUID id) {
        JobRecord job = get(owner, id);
        if (job.status() != JobStatus.SUCCEEDED) {
            throw new JobNotReadyException("job " + id + " is " + job.status().label() + "; its result exists once it has succeeded");
        }
        return blobs.get(job.resultBlob()).orElseThrow(() -> new IllegalStateException("result blob of " + id + " is missing"));
    }

    public Optional<byte[]> preview(String owner, UUID id) {
        JobRecord job = get(owner, id);
        return Optional.ofNullable(job.previewBlob()).flatMap(blobs::get);
    }

    public JobOptions options(JobRecord job) {
        return json.readValue(job.options(), JobOptions.class);
    }
}
