package dev.pastiche.job;

import java.util.UUID;

/**
 * Thrown out of a job to JobRunr when this worker stops (a scale-down, a node drain, a rolling
 * update): JobRunr records the attempt as failed and retries the job, on whichever worker takes it
 * next, from the checkpoint written just before.
 */
class WorkerStoppingException extends RuntimeException {

    WorkerStoppingException(UUID job) {
        super("this worker is stopping; job " + job + " goes back to the queue");
    }
}
