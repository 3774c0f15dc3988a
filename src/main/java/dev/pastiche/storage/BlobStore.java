package dev.pastiche.storage;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Images at rest, content-addressed: a blob's key is the hex SHA-256 of its bytes, so storing the
 * same image twice stores it once, and a key says exactly what it holds. Job rows hold keys, never
 * bytes (ARCHITECTURE.md). Deleting is the caller's decision: a blob may be shared by several jobs.
 * Blobs that no row refers to any more (a process killed between a put and its row) are removed by
 * {@link OrphanedBlobs}, which is why a feature that keeps keys declares them as {@link BlobReferences}.
 */
public interface BlobStore {

    /**
     * Stores the bytes durably (on disk or acknowledged by the object store) before returning their key.
     * Bytes already stored are not written again; whether their age starts over is the store's to say.
     */
    String put(byte[] data);

    Optional<byte[]> get(String key);

    boolean exists(String key);

    /** Removes the blob if present. */
    void delete(String key);

    /**
     * Checks, quickly and without touching any blob, that the store can take a put now (readiness asks
     * it every few seconds); throws {@link BlobStoreUnavailableException} saying why when it cannot.
     */
    void probe();

    /** The keys of the blobs last written before {@code cutoff}: the orphan sweep's candidates. */
    List<String> keysOlderThan(Instant cutoff);

    /**
     * Removes what puts killed mid-write left behind, if last written before {@code cutoff}; returns
     * how many it removed.
     */
    int deletePartialUploads(Instant cutoff);

    /** A key is 64 lowercase hex digits; anything else (a path, say) is refused. */
    static String checkKey(String key) {
        if (!isKey(key)) {
            throw new IllegalArgumentException("not a blob key: " + key);
        }
        return key;
    }

    static boolean isKey(String key) {
        return key != null && key.length() == 64 && key.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    }
}
