package dev.pastiche.perception;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** The perceptual distances of API.md: three on the VGG19 extractor, and the published LPIPS on its own VGG16. */
public enum Metric {
    CONTENT, STYLE, FEATURES, LPIPS;

    /** What a request that names no metric gets: the ones that need no more than the extractor. */
    public static final Set<Metric> DEFAULT = java.util.Collections.unmodifiableSet(EnumSet.of(CONTENT, STYLE, FEATURES));

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether the metric has a value per position, which a distance map shows: the Gram style distance has none. */
    public boolean spatial() {
        return this != STYLE;
    }

    /** Parses a comma list such as {@code content,style}; blank means {@link #DEFAULT}. */
    public static Set<Metric> parseList(String list) {
        if (list == null || list.isBlank()) {
            return EnumSet.copyOf(DEFAULT);
        }
        Set<Metric> metrics = EnumSet.noneOf(Metric.class);
        for (String item : list.split(",")) {
            String name = item.trim();
            if (name.isEmpty()) {
                continue;
            }
            try {
                metrics.add(valueOf(name.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown metric '" + name + "'; use a comma list of content, style, features, lpips");
            }
        }
        if (metrics.isEmpty()) {
            throw new IllegalArgumentException("metrics names none of content, style, features, lpips");
        }
        return metrics;
    }
}
