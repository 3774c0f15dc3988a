package dev.pastiche.classifier;

import java.util.UUID;
import org.jobrunr.jobs.lambdas.JobRequest;

/** What JobRunr stores for a classifier's training: its id only; the rest is in the classifier table and the blob store. */
public record ClassifierTrainingRequest(UUID classifierId) implements JobRequest {

    @Override
    public Class<ClassifierTrainingHandler> getJobRequestHandler() {
        return ClassifierTrainingHandler.class;
    }
}
