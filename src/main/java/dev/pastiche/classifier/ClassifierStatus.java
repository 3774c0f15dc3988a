package dev.pastiche.classifier;

import java.util.Locale;

/** A classifier's training, as a job's: queued, running, then succeeded or failed. */
public enum ClassifierStatus {
    QUEUED, RUNNING, SUCCEEDED, FAILED;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean finished() {
        return this == SUCCEEDED || this == FAILED;
    }
}
