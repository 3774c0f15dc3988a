package dev.pastiche.vgg;

import java.util.Locale;

/** The kinds of layer in a VGG, named as API.md's architecture table names them. */
public enum LayerKind {
    CONV, RELU, BATCHNORM, MAXPOOL, FLATTEN, LINEAR, DROPOUT;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
