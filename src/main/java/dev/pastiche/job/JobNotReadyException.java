package dev.pastiche.job;

/** The job has no result yet, or never will. */
public class JobNotReadyException extends RuntimeException {

    public JobNotReadyException(String message) {
        super(message);
    }
}
