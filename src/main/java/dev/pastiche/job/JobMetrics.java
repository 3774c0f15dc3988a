package dev.pastiche.job;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import org.springframework.stereotype.Component;

/**
 * The queue's meters: depth and running jobs (levels, read from the database on scrape so every
 * node reports the cluster's), job duration by outcome, optimiser iterations (their rate is
 * iterations per second; evaluations are {@code pastiche.transfer.step}'s count) and rejected
 * submissions by reason; checkpoints' size and write time.
 */
@Component
class JobMetrics {

    private final MeterRegistry meters;
    private final Counter iterations;
    private final DistributionSummary checkpointSize;
    private final Timer checkpointWrite;

    JobMetrics(MeterRegistry meters, JobRepository jobs) {
        this.meters = meters;
        Gauge.builder("pastiche.jobs.queued", jobs, j -> j.count(JobStatus.QUEUED)).description("Jobs waiting").register(meters);
        Gauge.builder("pastiche.jobs.running", jobs, j -> j.count(JobStatus.RUNNING)).description("Jobs running").register(meters);
        this.iterations = Counter.builder("pastiche.jobs.iterations").description("Optimiser iterations done by jobs on this node")
                .register(meters);
        this.checkpointSize = DistributionSummary.builder("pastiche.jobs.checkpoint.size").baseUnit("bytes")
                .description("Size of a running job's checkpoint").register(meters);
        this.checkpointWrite = Timer.builder("pastiche.jobs.checkpoint.write")
                .description("Time to serialise a checkpoint, store it and record it on the job").register(meters);
    }

    void finished(JobStatus outcome, Duration took) {
        Timer.builder("pastiche.jobs.duration").description("Time from start to end of a job").tag("outcome", outcome.label())
                .register(meters).record(took);
    }

    void iterations(int count) {
        iterations.increment(count);
    }

    void checkpointWritten(long bytes, Duration took) {
        checkpointSize.record(bytes);
        checkpointWrite.record(took);
    }

    void rejected(String reason) {
        Counter.builder("pastiche.jobs.rejected").description("Submissions refused").tag("reason", reason).register(meters).increment();
    }
}
