package dev.pastiche.job;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.filters.ApplyStateFilter;
import org.jobrunr.jobs.states.FailedState;
import org.jobrunr.jobs.states.JobState;
import org.jobrunr.jobs.states.ScheduledState;
import org.jobrunr.jobs.states.StateName;
import org.jobrunr.server.BackgroundJobServer;
import org.jobrunr.storage.JobNotFoundException;
import org.jobrunr.storage.StorageProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * No job is left {@code running} (or {@code queued}) for ever. A JobRunr filter fails the job as
 * soon as JobRunr gives up on it: its retries spent on exceptions ({@code internal}) or on its
 * worker dying or stopping, which JobRunr's orphan recovery records as "Orphaned job"
 * ({@code worker-lost}). A sweep on every node, every {@code pastiche.jobs.orphan-check}, catches
 * what the filter cannot see: a job whose JobRunr job is gone, or failed while this database write
 * could not be made (the filter's node died, the database was away).
 */
@Component
class JobFailures implements ApplyStateFilter, SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(JobFailures.class);
    /** What JobRunr's ProcessOrphanedJobsTask writes when a job's server stopped heart-beating. */
    private static final String ORPHANED = "Orphaned job";

    private final JobRepository jobs;
    private final StorageProvider storage;
    private final ObjectProvider<BackgroundJobServer> servers;
    private final JobMetrics metrics;
    private final WebhookSender webhooks;
    private final JsonMapper json;
    private final JobCheckpoints checkpoints;
    private final Duration orphanCheck;

    JobFailures(JobRepository jobs, StorageProvider storage, ObjectProvider<BackgroundJobServer> servers, JobMetrics metrics,
            WebhookSender webhooks, JsonMapper json, JobCheckpoints checkpoints, JobsProperties properties) {
        this.jobs = jobs;
        this.storage = storage;
        this.servers = servers;
        this.metrics = metrics;
        this.webhooks = webhooks;
        this.json = json;
        this.checkpoints = checkpoints;
        this.orphanCheck = properties.orphanCheck();
    }

    /** Joins the RetryFilter that JobRunr's Spring Boot starter installs (JobRunr adds filters; it never replaces them). */
    @Override
    public void afterSingletonsInstantiated() {
        servers.ifAvailable(server -> server.setJobFilters(List.of(this)));
    }

    /**
     * Runs after the RetryFilter's election: a failed state that is still the job's state is final;
     * a failure followed by a scheduled state is a retry, and until a worker takes it again the job
     * waits in the queue, which its row now says instead of the {@code running} of the attempt that
     * failed or whose worker died.
     */
    @Override
    public void onStateApplied(Job job, JobState oldState, JobState newState) {
        if (newState instanceof FailedState && job.getState() == StateName.FAILED) {
            failForGood(job);
        } else if (oldState instanceof FailedState failed && newState instanceof ScheduledState && jobs.requeue(job.getId())) {
            log.info("Style-transfer job {} is queued again: {}", job.getId(), failed.getMessage());
        }
    }

    @Scheduled(fixedDelayString = "${pastiche.jobs.orphan-check:PT1M}", initialDelayString = "${pastiche.jobs.orphan-check:PT1M}")
    void sweep() {
        // a job's JobRunr job is enqueued just after its row is written: give it one period to exist
        for (UUID id : jobs.unfinishedBefore(Instant.now().minus(orphanCheck))) {
            Job job;
            try {
                job = storage.getJobById(id);
            } catch (JobNotFoundException e) {
                fail(id, "worker-lost", "the job's queue entry is gone (deleted from JobRunr); it will not run again");
                continue;
            }
            StateName state = job.getState();
            if (state == StateName.FAILED) {
                failForGood(job);
            } else if (state == StateName.SUCCEEDED || state == StateName.DELETED) {
                fail(id, "worker-lost", "its worker ended without finishing the job; it will not run again");
            }
        }
    }

    private void failForGood(Job job) {
        long attempts = job.getJobStatesOfType(FailedState.class).count();
        FailedState last = job.getLastJobStateOfType(FailedState.class).orElseThrow();
        if (ORPHANED.equals(last.getMessage()) || WorkerStoppingException.class.getName().equals(last.getExceptionType())) {
            fail(job.getId(), "worker-lost", "its worker stopped mid-run (a crash, a kill or a scale-down) on each of its " + attempts
                    + " attempts, and JobRunr gave up; submit it again");
        } else {
            fail(job.getId(), "internal", "the job failed on each of its " + attempts + " attempts; the cause has been logged");
        }
    }

    private void fail(UUID id, String type, String detail) {
        JobRecord before = jobs.find(id).orElse(null);
        if (before == null || before.status().finished()) {
            return;
        }
        jobs.fail(id, Instant.now(), type, detail);
        JobRecord after = jobs.find(id).orElse(null);
        if (after == null || after.status() != JobStatus.FAILED) {
            return;
        }
        log.warn("Style-transfer job {} failed for good ({}): {}", id, type, detail);
        Instant started = before.startedAt() != null ? before.startedAt() : before.createdAt();
        metrics.finished(JobStatus.FAILED, Duration.between(started, after.finishedAt()));
        checkpoints.drop(id);
        webhooks.announce(after, json.readValue(after.options(), JobOptions.class).webhook());
    }
}
