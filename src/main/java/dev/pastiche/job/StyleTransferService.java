package dev.pastiche.job;

import dev.pastiche.image.ImageDecoder;
import dev.pastiche.image.RgbImage;
import dev.pastiche.storage.BlobStore;
import dev.pastiche.transfer.ResolvedOptions;
import dev.pastiche.transfer.StyleTransferEngine;
import dev.pastiche.transfer.TransferOptions;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jobrunr.scheduling.JobRequestScheduler;
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

    StyleTransferService(JobRepository jobs, BlobStore blobs, ImageDecoder decoder, StyleTransferEngine engine,
            JobRequestScheduler scheduler, JsonMapper json, JobsProperties properties) {
        this.jobs = jobs;
        this.blobs = blobs;
        this.decoder = decoder;
        this.engine = engine;
        this.scheduler = scheduler;
        this.json = json;
        this.properties = properties;
    }

    /** A new job: the images as uploaded, options as parsed, the format of the result. */
    public JobRecord submit(String owner, byte[] content, List<byte[]> styles, TransferOptions options, String outputFormat) {
        RgbImage contentImage = decoder.decode(content, "content");
        for (int i = 0; i < styles.size(); i++) {
            decoder.decode(styles.get(i), "style[" + i + "]");
        }
        ResolvedOptions resolved = engine.admit(engine.resolve(options, styles.size()), contentImage.width(), contentImage.height());
        String format = JobOptions.checkFormat(outputFormat);
        if (jobs.countQueued() >= properties.maxQueued()) {
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
                false);
        jobs.insert(job);
        scheduler.enqueue(id, new StyleTransferJobRequest(id));
        return job;
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
