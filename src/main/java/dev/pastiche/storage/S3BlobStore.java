package dev.pastiche.storage;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * Blobs as objects {@code <prefix><key>} in an S3 bucket, for clusters whose pods share no disk. A
 * PutObject is atomic (the object appears whole or not at all) and durable once acknowledged, so a
 * single request does what the filesystem store needs a temporary file and a move for. Works with
 * AWS and with S3-compatible servers; the client decides endpoint, region and path style.
 */
public class S3BlobStore implements BlobStore, AutoCloseable {

    /** Under Kubernetes' default probe timeout (1 s), so that a slow store reads as DOWN rather than as a dead pod. */
    static final java.time.Duration PROBE_TIMEOUT = java.time.Duration.ofMillis(800);

    private final S3Client s3;
    private final String bucket;
    private final String prefix;

    /** Takes ownership of the client: {@link #close()} closes it. */
    public S3BlobStore(S3Client s3, String bucket, String prefix) {
        this.s3 = s3;
        this.bucket = bucket;
        this.prefix = prefix;
    }

    @Override
    public String put(byte[] data) {
        return reachable("store a blob", () -> store(data));
    }

    private String store(byte[] data) {
        byte[] digest = sha256(data);
        String key = HexFormat.of().formatHex(digest);
        if (exists(key)) {
            // Not refreshed: the object keeps its first LastModified (S3 changes it only by copying the object
            // onto itself, a request per repeated upload). Only bytes that were already an orphan older than the
            // sweep's grace are affected: the sweep checks the rows again right before each delete, so the
            // caller's row keeps them unless that check falls in the milliseconds before the row is written.
            return key;
        }
        // the store checks the upload against the digest we already have, so a corrupted body is refused
        s3.putObject(request -> request.bucket(bucket).key(objectKey(key))
                        .contentType("application/octet-stream")
                        .checksumSHA256(Base64.getEncoder().encodeToString(digest)),
                RequestBody.fromBytes(data));
        return key;
    }

    @Override
    public Optional<byte[]> get(String key) {
        return reachable("read blob " + key, () -> read(key));
    }

    private Optional<byte[]> read(String key) {
        try {
            // the response's buffer belongs to this call alone, so it need not be copied
            return Optional.of(s3.getObjectAsBytes(request -> request.bucket(bucket).key(objectKey(key))).asByteArrayUnsafe());
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        }
    }

    @Override
    public boolean exists(String key) {
        return reachable("look up blob " + key, () -> found(key));
    }

    private boolean found(String key) {
        try {
            s3.headObject(request -> request.bucket(bucket).key(objectKey(key)));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        }
    }

    @Override
    public void delete(String key) {
        String objectKey = objectKey(key);
        reachable("delete blob " + key, () -> {
            try {
                s3.deleteObject(request -> request.bucket(bucket).key(objectKey));
            } catch (NoSuchKeyException e) {
                // S3 answers 204 for a missing object; some compatible servers answer 404: absent either way
            }
            return null;
        });
    }

    /**
     * A HeadBucket within {@link #PROBE_TIMEOUT}, retries included: the bucket exists and these
     * credentials may use it. A refusal (403: no {@code s3:ListBucket}, or bad credentials; 404: no
     * such bucket) counts as unavailable too, since puts would fail the same way.
     */
    @Override
    public void probe() {
        try {
            reachable("reach bucket " + bucket, () -> s3.headBucket(request -> request.bucket(bucket)
                    .overrideConfiguration(call -> call.apiCallTimeout(PROBE_TIMEOUT))));
        } catch (software.amazon.awssdk.awscore.exception.AwsServiceException e) {
            throw new BlobStoreUnavailableException("bucket " + bucket + " answered " + e.statusCode(), e);
        }
    }

    /** Only objects under the prefix whose rest is a key: other things in the bucket are not blobs. */
    @Override
    public List<String> keysOlderThan(Instant cutoff) {
        return reachable("list blobs", () -> s3.listObjectsV2Paginator(request -> request.bucket(bucket).prefix(prefix))
                .contents().stream()
                .filter(object -> object.lastModified().isBefore(cutoff))
                .map(object -> object.key().substring(prefix.length()))
                .filter(BlobStore::isKey)
                .toList());
    }

    /** None: a PutObject is atomic and leaves nothing when interrupted (this store uses no multipart uploads). */
    @Override
    public int deletePartialUploads(Instant cutoff) {
        return 0;
    }

    /** The store's outages (no connection, a 5xx) as {@link BlobStoreUnavailableException}; its answers otherwise as they are. */
    private static <T> T reachable(String what, java.util.function.Supplier<T> call) {
        try {
            return call.get();
        } catch (software.amazon.awssdk.core.exception.SdkClientException e) {
            throw new BlobStoreUnavailableException("cannot " + what + ": the object store is unreachable", e);
        } catch (software.amazon.awssdk.awscore.exception.AwsServiceException e) {
            if (e.statusCode() >= 500) {
                throw new BlobStoreUnavailableException("cannot " + what + ": the object store answered " + e.statusCode(), e);
            }
            throw e;
        }
    }

    @Override
    public void close() {
        s3.close();
    }

    private String objectKey(String key) {
        return prefix + BlobStore.checkKey(key);
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
