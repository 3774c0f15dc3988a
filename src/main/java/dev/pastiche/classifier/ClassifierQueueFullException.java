package dev.pastiche.classifier;

/** {@code pastiche.classifiers.max-queued} classifiers wait to be trained. */
public class ClassifierQueueFullException extends RuntimeException {

    ClassifierQueueFullException(int maxQueued) {
        super(maxQueued + " classifiers are waiting to be trained; retry later");
    }
}
