package dev.pastiche.storage;

/** The blob store cannot be reached or written now (a full or unmounted volume, S3 down): worth retrying later. */
public class BlobStoreUnavailableException extends RuntimeException {

    public BlobStoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
