package dev.pastiche.job;

import dev.pastiche.image.ImageDecoder;
import dev.pastiche.image.ImageOps;
import dev.pastiche.image.Mask;
import dev.pastiche.image.RgbImage;
import dev.pastiche.storage.BlobStore;
import dev.pastiche.transfer.InvalidOptionsException;
import dev.pastiche.transfer.StyleTransferEngine;
import dev.pastiche.transfer.TransferCancelledException;
import dev.pastiche.transfer.TransferCheckpoint;
import dev.pastiche.transfer.TransferDeadlineException;
import dev.pastiche.transfer.TransferDivergedException;
import dev.pastiche.transfer.TransferListener;
import dev.pastiche.transfer.TransferProgress;
import dev.pastiche.transfer.TransferRequest;
import dev.pastiche.transfer.TransferResult;
import dev.pastiche.transfer.TransferTooLargeException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jobrunr.jobs.annotations.Job;
import org.jobrunr.jobs.lambdas.JobRequestHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs one style-transfer job on this node's worker: reads the inputs back from the blob store,
 * runs the engine, writes progress (throttled) and previews so that any node can serve them, and
 * stores the result. A job that is no longer queued or running is skipped, so a retried or
 * recovered job yields exactly one result.
 *
 * <p>Every {@code pastiche.jobs.checkpoint-interval} the run's state goes to the blob store as a
 * checkpoint, and an attempt that finds one goes on from it: a job whose worker died (JobRunr's
 * orphan recovery retries it, on any node) or stopped loses at most one interval of work. A
 * stopping worker writes a checkpoint at once and hands the job back to the queue. The job's own
 * outcomes (cancelled, deadline, diverged, too large, invalid) end it at once; anything else is
 * thrown to JobRunr, which retries it with back-off, and {@link JobFailures} fails the job when
 * the retries are spent.
 */
@Component
public class StyleTransferJobHandler implements JobRequestHandler<StyleTransferJobRequest> {

    private static final Logger log = LoggerFactory.getLogger(StyleTransferJobHandler.class);
    private final JobRepository jobs;
    private final BlobStore blobs;
    private final ImageDecoder decoder;
    private final StyleTransferEngine engine;
    private final JsonMapper json;
    private final JobsProperties properties;
    private final JobMetrics metrics;
    private final WebhookSender webhooks;
    private final WorkerShutdown shutdown;
    private final JobCheckpoints checkpoints;

    StyleTransferJobHandler(JobRepository jobs, BlobStore blobs, ImageDecoder decoder, StyleTransferEngine engine,
            JsonMapper json, JobsProperties properties, JobMetrics metrics, WebhookSender webhooks, WorkerShutdown shutdown,
            JobCheckpoints checkpoints) {
        this.jobs = jobs;
        this.blobs = blobs;
        this.decoder = decoder;
        this.engine = engine;
        this.json = json;
        this.properties = properties;
        this.metrics = metrics;
        this.webhooks = webhooks;
        this.shutdown = shutdown;
        this.checkpoints = checkpoints;
    }

    @Override
    @Job(name = "style transfer %0", retries = 3)
    public void run(StyleTransferJobRequest request) {
        UUID id = request.jobId();
        JobRecord job = jobs.find(id).orElse(null);
        if (job == null) {
            return;
        }
        if (shutdown.stopping()) {
            // taken while this worker stops: back to the queue, for another worker
            throw new WorkerStoppingException(id);
        }
        if (job.status().finished() || !jobs.start(id, Instant.now())) {
            // a retry after the process died between finishing the job and owing its webhook: owe it now (idempotent);
            // a job cancelled while it waited for this retry still has the checkpoint of the attempt before
            jobs.find(id).filter(done -> done.status().finished()).ifPresent(done -> {
                checkpoints.drop(id);
                announce(done);
            });
            return;
        }
        long start = System.nanoTime();
        shutdown.began();
        try {
            JobOptions options = json.readValue(job.options(), JobOptions.class);
            RgbImage content = decoder.decode(blob(job.contentBlob()), "content");
            List<RgbImage> styles = job.styleBlobs().stream().map(key -> decoder.decode(blob(key), "style")).toList();
            List<Mask> masks = job.maskBlobs().stream().map(key -> decoder.decodeMask(blob(key), "mask")).toList();
            ProgressWriter progress = new ProgressWriter(id);
            TransferResult result = engine.run(new TransferRequest(content, styles, masks, options.transfer()), progress, progress::cancelled,
                    checkpoints.latest(id).orElse(null));
            String key = blobs.put(ImageOps.encode(result.image().image(), options.outputFormat()));
            String summary = json.writeValueAsString(Map.of("width", result.width(), "height", result.height(),
                    "format", options.outputFormat(), "losses", result.losses(), "iterations", result.iterations(),
                    "evaluations", result.evaluations()));
            Map<String, Object> recipe = new LinkedHashMap<>();
            // as run: the worker may have downscaled the options stored at submission to fit its memory
            recipe.put("options", new JobOptions(result.options(), options.outputFormat(), options.webhook()).toJson(json));
            // blob keys are the SHA-256 of the bytes uploaded
            Map<String, Object> inputs = new LinkedHashMap<>();
            inputs.put("content", job.contentBlob());
            inputs.put("styles", job.styleBlobs());
            if (!job.maskBlobs().isEmpty()) {
                inputs.put("masks", job.maskBlobs());
            }
            recipe.put("inputs", inputs);
            if (result.resumed() != null) {
                recipe.put("resumed", resumed(result.resumed()));
            }
            recipe.putAll(engine.environment());
            jobs.succeed(id, Instant.now(), key, summary, progress.last(), json.writeValueAsString(recipe));
            metrics.finished(JobStatus.SUCCEEDED, Duration.ofNanos(System.nanoTime() - start));
        } catch (TransferCancelledException e) {
            if (!jobs.cancelRequested(id)) {
                // interrupted, not cancelled: JobRunr is stopping this worker; the job goes on elsewhere from its last checkpoint
                throw new WorkerStoppingException(id);
            }
            jobs.cancelled(id, Instant.now());
            metrics.finished(JobStatus.CANCELLED, Duration.ofNanos(System.nanoTime() - start));
        } catch (TransferDeadlineException e) {
            failed(id, start, "deadline", e.getMessage());
        } catch (TransferDivergedException e) {
            failed(id, start, "diverged", e.getMessage());
        } catch (TransferTooLargeException e) {
            failed(id, start, "too-large", e.getMessage());
        } catch (InvalidOptionsException e) {
            failed(id, start, "invalid-options", e.getMessage());
        } catch (WorkerStoppingException e) {
            log.info("Style-transfer job {} handed back to the queue: this worker is stopping", id);
            throw e;
        } catch (RuntimeException e) {
            // JobRunr retries it (another node, another moment: a native fault or a storage outage may pass); JobFailures ends it
            log.error("Style-transfer job {} failed; JobRunr retries it until its retries are spent", id, e);
            throw e;
        } finally {
            shutdown.ended();
        }
        checkpoints.drop(id);
        jobs.find(id).filter(done -> done.status().finished()).ifPresent(this::announce);
    }

    /** What the recipe says of a run that went on from a checkpoint. */
    static Map<String, Object> resumed(TransferResult.Resumption resumption) {
        Map<String, Object> resumed = new LinkedHashMap<>();
        resumed.put("fromStage", resumption.stage());
        resumed.put("fromIteration", resumption.iteration());
        resumed.put("iterationsBefore", resumption.iterationsBefore());
        resumed.put("resumes", resumption.resumes());
        resumed.put("optimizerHistory", resumption.historyRestarted()
                ? "restarted at the checkpoint (L-BFGS keeps no history in checkpoints)" : "restored from the checkpoint");
        return resumed;
    }

    private void announce(JobRecord done) {
        webhooks.announce(done, json.readValue(done.options(), JobOptions.class).webhook());
    }

    private void failed(UUID id, long start, String type, String detail) {
        jobs.fail(id, Instant.now(), type, detail);
        metrics.finished(JobStatus.FAILED, Duration.ofNanos(System.nanoTime() - start));
    }

    private byte[] blob(String key) {
        return blobs.get(key).orElseThrow(() -> new IllegalStateException("blob " + key + " is missing"));
    }

    /** Writes progress at most every {@code pastiche.jobs.progress-interval} (the engine throttles it), and every preview. */
    private final class ProgressWriter implements TransferListener {

        private final UUID id;
        private int lastScale;
        private int lastIteration;
        private String last;

        ProgressWriter(UUID id) {
            this.id = id;
        }

        @Override
        public void progress(TransferProgress progress) {
            metrics.iterations(progress.scale() == lastScale ? progress.iteration() - lastIteration : progress.iteration());
            lastScale = progress.scale();
            lastIteration = progress.iteration();
            last = json.writeValueAsString(progress);
            jobs.progress(id, last, null);
        }

        /** The engine reads the losses back only this often: each write costs a device round trip and a row update. */
        @Override
        public long progressIntervalNanos() {
            return properties.progressInterval().toNanos();
        }

        /** Stores the preview and points the job at it, then deletes the one it replaces (only the latest is served). */
        @Override
        public void preview(RgbImage image, TransferProgress progress) {
            last = json.writeValueAsString(progress);
            String previous = jobs.preview(id).orElse(null);
            String key = blobs.put(ImageOps.png(image.image()));
            jobs.progress(id, last, key);
            if (previous != null && !previous.equals(key) && !jobs.referenced(previous)) {
                blobs.delete(previous);
            }
        }

        /** Read from the database before every evaluation (a key lookup), so a cancel on any node reaches the worker. */
        boolean cancelled() {
            return jobs.cancelRequested(id);
        }

        String last() {
            return last;
        }

        @Override
        public boolean checkpointDue(long sinceLastNanos) {
            return shutdown.stopping() || sinceLastNanos >= properties.checkpointInterval().toNanos();
        }

        /**
         * Stores the checkpoint. A failed write is logged and the run goes on: the previous
         * checkpoint still stands. Throws once the checkpoint is safe when this worker is stopping.
         */
        @Override
        public void checkpoint(TransferCheckpoint checkpoint) {
            try {
                checkpoints.store(id, checkpoint);
            } catch (RuntimeException e) {
                log.warn("Style-transfer job {}: a checkpoint could not be stored ({}); the previous one stands", id, e.toString());
            }
            if (shutdown.stopping()) {
                throw new WorkerStoppingException(id);
            }
        }
    }
}
