package dev.pastiche.job;

import dev.pastiche.image.ImageDecoder;
import dev.pastiche.image.ImageRejectedException;
import dev.pastiche.image.Mask;
import dev.pastiche.image.RgbImage;
import dev.pastiche.storage.BlobStore;
import dev.pastiche.transfer.InvalidOptionsException;
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

    /** API.md: a batch takes 1–100 content images. */
    static final int MAX_BATCH_CONTENTS = 100;
    static final int MAX_BATCH_STYLES = 8;
    private static final int PURGE_BATCH = 100;
    /** How far a mask's aspect ratio may differ from the content's: masks are stretched to the content's size. */
    static final double MASK_ASPECT_TOLERANCE = 0.01;

    private final JobRepository jobs;
    private final BlobStore blobs;
    private final ImageDecoder decoder;
    private final StyleTransferEngine engine;
    private final JobRequestScheduler scheduler;
    private final JsonMapper json;
    private final JobsProperties properties;
    private final JobMetrics metrics;
    private final WebhookSender webhooks;
    private final WorkerBudgets workers;

    StyleTransferService(JobRepository jobs, BlobStore blobs, ImageDecoder decoder, StyleTransferEngine engine,
            JobRequestScheduler scheduler, JsonMapper json, JobsProperties properties, JobMetrics metrics, WebhookSender webhooks,
            WorkerBudgets workers) {
        this.jobs = jobs;
        this.blobs = blobs;
        this.decoder = decoder;
        this.engine = engine;
        this.scheduler = scheduler;
        this.json = json;
        this.properties = properties;
        this.metrics = metrics;
        this.webhooks = webhooks;
        this.workers = workers;
    }

    /**
     * A new job: the images as uploaded (masks: none, or one per style), options as parsed, the
     * format of the result. With an idempotency key, a repeat of the same request returns the first
     * job and a different request under the same key is refused.
     */
    public JobRecord submit(String owner, String idempotencyKey, byte[] content, List<byte[]> styles, List<byte[]> masks,
            TransferOptions options, String outputFormat, Webhook webhook) {
        String requestHash = requestHash(content, styles, masks, options, outputFormat + webhook);
        if (idempotencyKey != null) {
            Optional<JobRecord> first = jobs.findByIdempotencyKey(owner, idempotencyKey);
            if (first.isPresent()) {
                return replay(first.get(), idempotencyKey, requestHash);
            }
        }
        ResolvedOptions resolved;
        String format;
        try {
            checkMaskCount(masks.size(), styles.size());
            RgbImage contentImage = decoder.decode(content, "content");
            for (int i = 0; i < styles.size(); i++) {
                decoder.decode(styles.get(i), "style[" + i + "]");
            }
            List<Mask> decodedMasks = decodeMasks(masks);
            checkMasksFit(decodedMasks, contentImage, "content");
            resolved = engine.resolve(options, styles.size(), !masks.isEmpty());
            // refused here only when no worker could run it; the worker that runs it admits it (or downscales it) against its own budget
            engine.admit(resolved, masks.size(), contentImage.width(), contentImage.height(), workers.largest());
            format = JobOptions.checkFormat(outputFormat);
            checkWebhook(webhook);
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
        List<String> maskKeys = masks.stream().map(blobs::put).toList();
        UUID id = UUID.randomUUID();
        // microseconds: what both H2 and PostgreSQL store, so a row reads back as written
        JobRecord job = new JobRecord(id, owner, JobStatus.QUEUED, Instant.now().truncatedTo(ChronoUnit.MICROS), null, null,
                json.writeValueAsString(new JobOptions(resolved, format, webhook)), contentKey, styleKeys, maskKeys, null, null, null, null, null, null,
                false, idempotencyKey, requestHash, 0, null, null, null);
        try {
            if (!jobs.insertIfRoom(job, properties.maxQueued())) {
                // the queue filled up since the check above. What was just stored stays for the orphan sweep:
                // deleting it here could take bytes another submission has stored and not yet named in its row
                metrics.rejected("queue-full");
                throw new QueueFullException(properties.maxQueued());
            }
        } catch (DuplicateKeyException e) {
            // the same key raced in from another request: the first one to commit wins
            return replay(jobs.findByIdempotencyKey(owner, idempotencyKey).orElseThrow(() -> e), idempotencyKey, requestHash);
        }
        scheduler.enqueue(id, new StyleTransferJobRequest(id));
        return job;
    }

    /**
     * A batch: {@code grid} makes one job per content and style, {@code blend} one job per content
     * with all styles. Everything is validated, and the queue's room checked for the whole batch,
     * before anything is stored; the batch and its jobs are stored in one transaction.
     */
    public Batch submitBatch(String owner, List<byte[]> contents, List<byte[]> styles, List<byte[]> masks, TransferOptions options,
            String outputFormat, Webhook webhook, BatchMode mode) {
        List<RgbImage> contentImages = new ArrayList<>();
        List<ResolvedOptions> resolved = new ArrayList<>();
        String format;
        try {
            if (contents.isEmpty() || contents.size() > MAX_BATCH_CONTENTS) {
                throw new dev.pastiche.transfer.InvalidOptionsException(List.of(new dev.pastiche.transfer.InvalidOptionsException.FieldError(
                        "content", "send 1 to " + MAX_BATCH_CONTENTS + " content images, got " + contents.size())));
            }
            checkMaskCount(masks.size(), styles.size());
            for (int i = 0; i < contents.size(); i++) {
                contentImages.add(decoder.decode(contents.get(i), "content[" + i + "]"));
            }
            for (int i = 0; i < styles.size(); i++) {
                decoder.decode(styles.get(i), "style[" + i + "]");
            }
            if (styles.isEmpty() || styles.size() > MAX_BATCH_STYLES) {
                throw new dev.pastiche.transfer.InvalidOptionsException(List.of(new dev.pastiche.transfer.InvalidOptionsException.FieldError(
                        "style", "send 1 to " + MAX_BATCH_STYLES + " style images, got " + styles.size())));
            }
            List<Mask> decodedMasks = decodeMasks(masks);
            for (int i = 0; i < contentImages.size(); i++) {
                checkMasksFit(decodedMasks, contentImages.get(i), "content[" + i + "]");
            }
            // grid: each job has one style, and its mask if masks were sent
            int jobStyles = mode == BatchMode.GRID ? 1 : styles.size();
            int jobMasks = masks.isEmpty() ? 0 : jobStyles;
            ResolvedOptions base = engine.resolve(options, jobStyles, jobMasks > 0);
            long budget = workers.largest();
            for (RgbImage content : contentImages) {
                engine.admit(base, jobMasks, content.width(), content.height(), budget);
                resolved.add(base);
            }
            format = JobOptions.checkFormat(outputFormat);
            checkWebhook(webhook);
        } catch (RuntimeException e) {
            metrics.rejected("invalid");
            throw e;
        }
        int jobCount = mode == BatchMode.GRID ? contents.size() * styles.size() : contents.size();
        if (jobs.countQueued() + jobCount > properties.maxQueued()) {
            metrics.rejected("queue-full");
            throw new QueueFullException(properties.maxQueued());
        }
        List<String> contentKeys = contents.stream().map(blobs::put).toList();
        List<String> styleKeys = styles.stream().map(blobs::put).toList();
        List<String> maskKeys = masks.stream().map(blobs::put).toList();
        UUID batch = UUID.randomUUID();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        List<JobRecord> batchJobs = new ArrayList<>();
        for (int c = 0; c < contents.size(); c++) {
            String jobOptions = json.writeValueAsString(new JobOptions(resolved.get(c), format, webhook));
            if (mode == BatchMode.BLEND) {
                batchJobs.add(batchJob(owner, now, jobOptions, contentKeys.get(c), styleKeys, maskKeys, batch,
                        String.format("content-%02d", c + 1)));
                continue;
            }
            for (int s = 0; s < styles.size(); s++) {
                batchJobs.add(batchJob(owner, now, jobOptions, contentKeys.get(c), List.of(styleKeys.get(s)),
                        maskKeys.isEmpty() ? List.of() : List.of(maskKeys.get(s)), batch, String.format("content-%02d_style-%02d", c + 1, s + 1)));
            }
        }
        if (!jobs.insertBatchIfRoom(batch, owner, mode.label(), now, batchJobs, properties.maxQueued())) {
            // as for one job: what was stored stays for the orphan sweep
            metrics.rejected("queue-full");
            throw new QueueFullException(properties.maxQueued());
        }
        batchJobs.forEach(job -> scheduler.enqueue(job.id(), new StyleTransferJobRequest(job.id())));
        return new Batch(batch, mode, batchJobs);
    }

    /** Masks are optional, but then one per style: a missing one would leave its style nowhere, an extra one nowhere to go. */
    private static void checkMaskCount(int masks, int styles) {
        if (masks != 0 && masks != styles) {
            throw new InvalidOptionsException(List.of(new InvalidOptionsException.FieldError("mask", "send one mask part per style part, in "
                    + "the same order, or none: " + styles + " style" + (styles == 1 ? "" : "s") + " but " + masks + " mask"
                    + (masks == 1 ? "" : "s"))));
        }
    }

    private List<Mask> decodeMasks(List<byte[]> masks) {
        List<Mask> decoded = new ArrayList<>();
        for (int i = 0; i < masks.size(); i++) {
            Mask mask = decoder.decodeMask(masks.get(i), "mask[" + i + "]");
            if (mask.max() == 0) {
                throw new ImageRejectedException(ImageRejectedException.Reason.INVALID, "mask[" + i + "] is all black: it applies style[" + i
                        + "] nowhere; paint white (or opaque) where that style should go, or leave that style out");
            }
            decoded.add(mask);
        }
        return decoded;
    }

    /** Each mask is stretched to the content's size, so their shapes must agree (within 1 %). */
    private static void checkMasksFit(List<Mask> masks, RgbImage content, String contentName) {
        double contentAspect = (double) content.width() / content.height();
        for (int i = 0; i < masks.size(); i++) {
            Mask mask = masks.get(i);
            if (Math.abs(mask.aspectRatio() / contentAspect - 1) > MASK_ASPECT_TOLERANCE) {
                throw new ImageRejectedException(ImageRejectedException.Reason.INVALID, String.format(java.util.Locale.ROOT,
                        "mask[%d] is %d×%d (aspect %.3f) but %s is %d×%d (aspect %.3f); a mask is stretched to the content's size, "
                                + "so its aspect ratio must be the content's within 1 %%: send it at the content's size",
                        i, mask.width(), mask.height(), mask.aspectRatio(), contentName, content.width(), content.height(), contentAspect));
            }
        }
    }

    private void checkWebhook(Webhook webhook) {
        if (webhook == null) {
            return;
        }
        try {
            webhooks.check(webhook);
        } catch (IllegalArgumentException e) {
            throw new dev.pastiche.transfer.InvalidOptionsException(List.of(
                    new dev.pastiche.transfer.InvalidOptionsException.FieldError("webhook", e.getMessage())));
        }
    }

    private static JobRecord batchJob(String owner, Instant now, String options, String content, List<String> styles, List<String> masks,
            UUID batch, String label) {
        return new JobRecord(UUID.randomUUID(), owner, JobStatus.QUEUED, now, null, null, options, content, styles, masks, null, null, null,
                null, null, null, false, null, null, 0, null, batch, label);
    }

    public Batch batch(String owner, UUID id) {
        BatchMode mode = jobs.batchMode(id, owner).map(BatchMode::parse).orElseThrow(() -> new JobNotFoundException(id));
        return new Batch(id, mode, jobs.batchJobs(id));
    }

    /** The results of a finished batch's succeeded jobs, by label; not ready while any job is unfinished. */
    public java.util.Map<String, byte[]> batchResults(String owner, UUID id) {
        Batch batch = batch(owner, id);
        if (batch.jobs().stream().anyMatch(job -> !job.status().finished())) {
            throw new JobNotReadyException("batch " + id + " still has unfinished jobs; its results.zip exists once all have finished");
        }
        java.util.Map<String, byte[]> results = new java.util.LinkedHashMap<>();
        for (JobRecord job : batch.jobs()) {
            if (job.status() == JobStatus.SUCCEEDED) {
                results.put(job.batchLabel() + "." + (options(job).outputFormat().equals("jpeg") ? "jpg" : "png"),
                        blobs.get(job.resultBlob()).orElseThrow());
            }
        }
        return results;
    }

    private static JobRecord replay(JobRecord first, String key, String requestHash) {
        if (!first.requestHash().equals(requestHash)) {
            throw new IdempotencyConflictException(key);
        }
        return first;
    }

    /** SHA-256 over the images' bytes and the options as parsed, so formatting of the JSON does not matter. */
    private String requestHash(byte[] content, List<byte[]> styles, List<byte[]> masks, TransferOptions options, String outputFormat) {
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
        if (!masks.isEmpty()) {
            // marked and counted, so that a mask never hashes like one more style; absent, the hash is what it was before masks
            digest.update("masks".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            digest.update(intBytes(masks.size()));
            for (byte[] mask : masks) {
                digest.update(intBytes(mask.length));
                digest.update(mask);
            }
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
        JobRecord before = get(owner, id);
        jobs.cancel(id, Instant.now());
        JobRecord after = get(owner, id);
        if (before.status() == JobStatus.QUEUED && after.status() == JobStatus.CANCELLED) {
            // no worker will see it end: its webhook is owed here (a running job's, by its worker)
            webhooks.announce(after, options(after).webhook());
        }
        return after;
    }

    /** Cancels the job if needed, removes it and every image no other job uses. */
    public void delete(String owner, UUID id) {
        remove(get(owner, id));
    }

    /** Retention: removes finished jobs that ended before {@code cutoff}, with their images; returns how many. */
    public int purgeFinishedBefore(Instant cutoff) {
        int removed = 0;
        for (List<JobRecord> expired; !(expired = jobs.finishedBefore(cutoff, PURGE_BATCH)).isEmpty(); ) {
            expired.forEach(this::remove);
            removed += expired.size();
        }
        return removed;
    }

    private void remove(JobRecord job) {
        UUID id = job.id();
        String checkpoint = jobs.checkpoint(id).orElse(null);
        jobs.cancel(id, Instant.now());
        jobs.delete(id);
        webhooks.forget(id);
        try {
            scheduler.delete(id);
        } catch (org.jobrunr.storage.JobNotFoundException e) {
            // JobRunr already forgot it
        }
        Set<String> keys = new LinkedHashSet<>(job.styleBlobs());
        Optional.ofNullable(checkpoint).ifPresent(keys::add);
        keys.addAll(job.maskBlobs());
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
        Optional<byte[]> image = Optional.ofNullable(job.previewBlob()).flatMap(blobs::get);
        // a newer preview replaced (and deleted) the one just read: serve that one
        return image.isPresent() ? image : Optional.ofNullable(get(owner, id).previewBlob()).flatMap(blobs::get);
    }

    /** The job's webhook with its deliveries so far, or null when it has none. */
    public WebhookStatus webhook(JobRecord job) {
        Webhook webhook = options(job).webhook();
        if (webhook == null) {
            return null;
        }
        return new WebhookStatus(webhook.url(), webhook.events(), webhooks.deliveriesOf(job.id()).stream()
                .map(d -> new WebhookStatus.DeliveryStatus(d.event(), d.attempts(), d.lastStatus(), d.deliveredAt())).toList());
    }

    public JobOptions options(JobRecord job) {
        return json.readValue(job.options(), JobOptions.class);
    }
}
