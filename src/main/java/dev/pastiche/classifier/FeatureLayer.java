package dev.pastiche.classifier;

import java.util.Locale;

/** Where a head reads the frozen network. */
public enum FeatureLayer {
    /** The last pool, averaged over positions: 512 values whatever the input size. */
    BLOCK5_POOL,
    /** The classifier's second fully connected layer after its ReLU: 4,096 values; needs the ImageNet classifier's weights. */
    FC7;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
