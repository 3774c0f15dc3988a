package dev.pastiche.classifier;

/** A prediction asked of a classifier whose head is not trained (yet, or ever). */
public class ClassifierNotReadyException extends RuntimeException {

    ClassifierNotReadyException(String message) {
        super(message);
    }
}
