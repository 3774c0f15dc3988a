package dev.pastiche.storage;

import java.util.Optional;

/**
 * Images at rest, content-addressed: a blob's key is the hex SHA-256 of its bytes, so storing the
 * same image twice stores it once, and a key says exactly what it holds. Job rows hold keys, never
 * bytes (ARCHITECTURE.md). Deleting is the caller's decision: a blob may be shared by several jobs.
 */
public interface BlobStore {

    /** Stores the bytes durably (on disk or acknowledged by the object store) before returning their key. */
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

    /** A key is 64 lowercase hex digits; anything else (a path, say) is refused. */
    static String checkKey(String key) {
        if (key == null || !key.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("not a blob key: " + key);
        }
        return key;
    }
}
