package dev.pastiche.classifier;

import java.util.Locale;

/** The trained part: softmax regression, or one hidden ReLU layer before it. */
public enum HeadType {
    LINEAR, MLP;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
