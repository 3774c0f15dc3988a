package dev.pastiche.vgg.weights;

/** The {@code pastiche.weights.source} choices of API.md. */
public enum WeightsSource {
    AUTO, FILE, DOWNLOAD, RANDOM
}
