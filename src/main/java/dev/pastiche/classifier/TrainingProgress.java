package dev.pastiche.classifier;

/**
 * How far a training has come: features are extracted from every image, then the head is trained.
 *
 * @param stage {@code extracting} or {@code training}
 * @param fraction the share done, extraction counted as four fifths (on CPUs it dominates)
 * @param loss the last epoch's mean training loss, null before the first
 */
public record TrainingProgress(String stage, int imagesDone, int images, int epoch, int epochs, double fraction, Double loss) {
}
