package dev.pastiche.job;

import java.util.Locale;

/** API.md's batch modes: every content with every style, or every content with all styles blended. */
public enum BatchMode {
    GRID, BLEND;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static BatchMode parse(String mode) {
        try {
            return valueOf(mode.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("mode must be grid or blend, got " + mode);
        }
    }
}
