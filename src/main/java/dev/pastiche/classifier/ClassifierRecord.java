package dev.pastiche.classifier;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A classifier's row (Flyway V8).
 *
 * @param options resolved, with the seed used
 * @param classes the labels, sorted; a class's index is its place here
 * @param labels each uploaded image's class index, in upload order
 * @param imagesBlob the uploaded images, one zip; null once training has finished
 * @param headBlob the trained head's weights; null until it succeeded
 */
public record ClassifierRecord(UUID id, String owner, ClassifierStatus status, Instant createdAt, Instant startedAt,
        Instant finishedAt, ClassifierOptions options, List<String> classes, int[] labels, String imagesBlob,
        TrainingProgress progress, TrainingReport report, String headBlob, String errorType, String errorDetail) {

    /** Images per class, in class order. */
    public int[] counts() {
        return counts(labels, classes.size());
    }

    /** Images held out of training, per class: the split is decided by the labels and the seed, before training as after. */
    public int[] heldOutCounts() {
        int[] heldOut = split().heldOut();
        int[] classOf = new int[heldOut.length];
        for (int i = 0; i < heldOut.length; i++) {
            classOf[i] = labels[heldOut[i]];
        }
        return counts(classOf, classes.size());
    }

    Split split() {
        return Split.of(labels, classes.size(), options.heldOutFraction(), options.seed());
    }

    static int[] counts(int[] labels, int classes) {
        int[] counts = new int[classes];
        for (int label : labels) {
            counts[label]++;
        }
        return counts;
    }
}
