package dev.pastiche.transfer;

/** Where the optimised image starts: the content, seeded uniform noise, or the first style image. */
public enum InitMode {
    CONTENT, NOISE, STYLE
}
