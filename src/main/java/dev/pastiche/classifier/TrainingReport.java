package dev.pastiche.classifier;

/**
 * What a finished training measured.
 *
 * @param inputs values per feature vector the head reads
 * @param trainingAccuracy the share of training images the head classifies right
 * @param heldOutAccuracy the same over the held-out images; null when none were held out
 * @param confusionMatrix over the held-out images: row = true class, column = predicted class
 * @param seconds the training's wall time, extraction included
 */
public record TrainingReport(int inputs, double trainingAccuracy, Double heldOutAccuracy,
        int[][] confusionMatrix, double finalLoss, double seconds) {
}
