package dev.pastiche.image;

/** An upload that cannot be used as an image; the message says what was wrong and what to send. */
public class ImageRejectedException extends RuntimeException {

    public enum Reason {
        /** Not PNG or JPEG at all. */
        UNSUPPORTED_TYPE,
        /** A PNG or JPEG that cannot be decoded. */
        INVALID,
        /** More pixels than {@code pastiche.image.max-pixels}. */
        TOO_LARGE
    }

    private final Reason reason;

    public ImageRejectedException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
