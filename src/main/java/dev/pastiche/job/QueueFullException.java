package dev.pastiche.job;

/** {@code pastiche.jobs.max-queued} jobs are waiting already. */
public class QueueFullException extends RuntimeException {

    public QueueFullException(int maxQueued) {
        super(maxQueued + " style-transfer jobs are waiting already (pastiche.jobs.max-queued); retry later");
    }
}
