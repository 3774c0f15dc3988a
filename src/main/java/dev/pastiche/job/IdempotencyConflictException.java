package dev.pastiche.job;

/** An Idempotency-Key reused with a different request. */
public class IdempotencyConflictException extends RuntimeException {

    public IdempotencyConflictException(String key) {
        super("Idempotency-Key '" + key + "' was used before with a different request; use a new key for a new request");
    }
}
