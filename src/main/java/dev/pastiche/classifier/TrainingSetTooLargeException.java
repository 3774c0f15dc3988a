package dev.pastiche.classifier;

/** A zip that inflates past {@code pastiche.classifiers.max-uncompressed}: a zip bomb, or simply too much. */
public class TrainingSetTooLargeException extends RuntimeException {

    TrainingSetTooLargeException(String message) {
        super(message);
    }
}
