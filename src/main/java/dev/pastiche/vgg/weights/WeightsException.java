package dev.pastiche.vgg.weights;

/** Weights that cannot be used: a missing key, a wrong shape, a bad checksum, an unreadable file. */
public class WeightsException extends RuntimeException {

    public WeightsException(String message) {
        super(message);
    }

    public WeightsException(String message, Throwable cause) {
        super(message, cause);
    }
}
