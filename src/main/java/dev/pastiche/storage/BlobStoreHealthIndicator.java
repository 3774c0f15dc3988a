package dev.pastiche.storage;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.stereotype.Component;

/**
 * Readiness of the blob store: UP while a put could succeed (the folder writable, the bucket
 * answering), DOWN with the reason otherwise, so that a load balancer sends no uploads to a node
 * that would answer them 503. In the readiness group only: liveness never checks dependencies.
 */
@Component("blobStoreHealthIndicator") // "blobStore" in health: Boot drops the suffix; the store itself is bean "blobStore"
class BlobStoreHealthIndicator extends AbstractHealthIndicator {

    private final BlobStore blobs;
    private final StorageProperties properties;

    BlobStoreHealthIndicator(BlobStore blobs, StorageProperties properties) {
        super("Blob store health check failed");
        this.blobs = blobs;
        this.properties = properties;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        builder.withDetail("type", properties.type().name().toLowerCase(java.util.Locale.ROOT));
        try {
            blobs.probe();
            builder.up();
        } catch (BlobStoreUnavailableException e) {
            // the message names the folder or the bucket and what failed, never credentials
            builder.down().withDetail("reason", e.getMessage() + (e.getCause() == null ? "" : ": " + e.getCause().getMessage()));
        }
    }
}
