package dev.pastiche.storage;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Configuration;
import org.springframework.dao.DataAccessException;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * Removes blobs that no row refers to and that are older than {@code pastiche.storage.orphan-grace}:
 * what a process killed between a put and the row that refers to it leaves (an upload before its job
 * row, a checkpoint, a preview, a result), superseded previews, and the partial files of puts killed
 * mid-write. Runs on every node every {@code pastiche.storage.orphan-sweep}: deletes are idempotent.
 *
 * <p>The order closes the race with a row written during the sweep: the candidates are listed first,
 * the references read after, and each candidate not among them is asked about once more, of every
 * owner, right before its delete. A blob put but not yet in a row is young (a put of stored bytes makes
 * them young again on the filesystem store), and the grace outlasts the milliseconds until its row.
 */
@Configuration(proxyBeanMethods = false)
@EnableScheduling
class OrphanedBlobs {

    private static final Logger log = LoggerFactory.getLogger(OrphanedBlobs.class);

    private final BlobStore blobs;
    private final List<BlobReferences> owners;
    private final StorageProperties properties;
    private final Counter orphansDeleted;
    private final Counter partialUploadsDeleted;

    OrphanedBlobs(BlobStore blobs, List<BlobReferences> owners, StorageProperties properties, MeterRegistry meters) {
        this.blobs = blobs;
        this.owners = owners;
        this.properties = properties;
        this.orphansDeleted = deletions(meters, "blob");
        this.partialUploadsDeleted = deletions(meters, "partial-upload");
    }

    private static Counter deletions(MeterRegistry meters, String kind) {
        return Counter.builder("pastiche.storage.orphans.deleted")
                .description("Blobs no row referred to (kind blob) and files of interrupted puts (kind partial-upload) removed by the orphan sweep")
                .tag("kind", kind).register(meters);
    }

    /** What one sweep removed; {@code complete} is false when an outage stopped it, and the next sweep goes on. */
    record Swept(int orphans, int partialUploads, boolean complete) {
    }

    @Scheduled(fixedDelayString = "${pastiche.storage.orphan-sweep:PT1H}", initialDelayString = "${pastiche.storage.orphan-sweep:PT1H}")
    void sweepOnSchedule() {
        sweep();
    }

    Swept sweep() {
        Instant cutoff = Instant.now().minus(properties.orphanGrace());
        int partialUploads = 0;
        int orphans = 0;
        try {
            partialUploads = blobs.deletePartialUploads(cutoff);
            partialUploadsDeleted.increment(partialUploads);
            if (owners.isEmpty()) {
                // no feature declares its blobs (a context without them): none is known to be unreferenced
                return new Swept(0, partialUploads, true);
            }
            List<String> candidates = blobs.keysOlderThan(cutoff);
            Set<String> referenced = candidates.isEmpty() ? Set.of() : referenced();
            for (String key : candidates) {
                if (!referenced.contains(key) && owners.stream().noneMatch(owner -> owner.references(key))) {
                    blobs.delete(key);
                    orphans++;
                    orphansDeleted.increment();
                }
            }
        } catch (BlobStoreUnavailableException | DataAccessException e) {
            log.warn("Orphan sweep stopped by an outage after removing {} orphaned blobs and {} partial uploads; the next sweep goes on: {}",
                    orphans, partialUploads, e.getMessage() + (e.getCause() == null ? "" : ": " + e.getCause().getMessage()));
            return new Swept(orphans, partialUploads, false);
        } catch (RuntimeException e) {
            log.warn("Orphan sweep failed after removing {} orphaned blobs and {} partial uploads; the next sweep tries again",
                    orphans, partialUploads, e);
            return new Swept(orphans, partialUploads, false);
        }
        if (orphans + partialUploads > 0) {
            log.info("Removed {} orphaned blobs and {} partial uploads older than {}", orphans, partialUploads, properties.orphanGrace());
        }
        return new Swept(orphans, partialUploads, true);
    }

    private Set<String> referenced() {
        Set<String> referenced = new HashSet<>();
        owners.forEach(owner -> referenced.addAll(owner.referencedBlobs()));
        return referenced;
    }
}
