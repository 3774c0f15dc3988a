package dev.pastiche.job;

import java.util.UUID;
import org.jobrunr.jobs.lambdas.JobRequest;

/** What JobRunr stores for a job: its id only; everything else is in our table and the blob store. */
public record StyleTransferJobRequest(UUID jobId) implements JobRequest {

    @Override
    public Class<StyleTransferJobHandler> getJobRequestHandler() {
        return StyleTransferJobHandler.class;
    }
}
