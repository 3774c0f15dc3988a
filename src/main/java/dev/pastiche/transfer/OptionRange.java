package dev.pastiche.transfer;

/**
 * The numbers an option accepts, as {@link TransferOptions#resolve} checks them; the API's
 * OpenAPI schema is drawn from the same ranges ({@link TransferOptions#ranges}), so the two cannot
 * drift apart.
 *
 * @param min the least value, or null for none
 * @param max the greatest value, or null for none
 */
public record OptionRange(Number min, boolean minExclusive, Number max, boolean maxExclusive) {

    static OptionRange closed(Number min, Number max) {
        return new OptionRange(min, false, max, false);
    }

    static OptionRange atLeast(Number min) {
        return new OptionRange(min, false, null, false);
    }

    /** Whether {@code value} lies in the range (NaN and infinities never do where a side is bounded). */
    boolean contains(double value) {
        return (min == null || (minExclusive ? value > min.doubleValue() : value >= min.doubleValue()))
                && (max == null || (maxExclusive ? value < max.doubleValue() : value <= max.doubleValue()));
    }

    /** "between 1 and 300", "in (0, 10]", "≥ 0". */
    String describe() {
        if (max == null) {
            return (minExclusive ? "> " : "≥ ") + min;
        }
        if (!minExclusive && !maxExclusive) {
            return "between " + min + " and " + max;
        }
        return "in " + (minExclusive ? "(" : "[") + min + ", " + max + (maxExclusive ? ")" : "]");
    }
}
