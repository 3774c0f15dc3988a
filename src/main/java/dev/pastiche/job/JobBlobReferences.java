package dev.pastiche.job;

import dev.pastiche.storage.BlobReferences;
import java.util.Set;
import org.springframework.stereotype.Component;

/** The blobs of every job row (uploads, masks, preview, result, checkpoint), for the orphan sweep. */
@Component
class JobBlobReferences implements BlobReferences {

    private final JobRepository jobs;

    JobBlobReferences(JobRepository jobs) {
        this.jobs = jobs;
    }

    @Override
    public Set<String> referencedBlobs() {
        return jobs.blobKeys();
    }

    @Override
    public boolean references(String key) {
        return jobs.referenced(key);
    }
}
