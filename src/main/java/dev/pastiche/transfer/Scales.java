package dev.pastiche.transfer;

import java.util.ArrayList;
import java.util.List;

/**
 * Coarse-to-fine stage sizes: the last {@code scales} steps of the progression from {@code minSize}
 * by ×√2 up to {@code size} (as in crowsonkb's style-transfer-pytorch), each stage starting from
 * the upsampled result of the one before.
 */
final class Scales {

    private Scales() {
    }

    /** Longest sides, smallest first, ending at {@code size}; never below {@code minSize}. */
    static List<Integer> longestSides(int size, int scales, int minSize) {
        List<Integer> sides = new ArrayList<>();
        for (int k = scales - 1; k >= 0; k--) {
            int side = (int) Math.round(size / Math.pow(Math.sqrt(2), k));
            if (side >= minSize || k == 0) {
                sides.add(side);
            }
        }
        return sides;
    }

    /** Width and height of a stage whose longest side is {@code side}, keeping the content's aspect ratio. */
    static int[] dimensions(int contentWidth, int contentHeight, int side) {
        double scale = (double) side / Math.max(contentWidth, contentHeight);
        return new int[] {Math.max(1, (int) Math.round(contentWidth * scale)), Math.max(1, (int) Math.round(contentHeight * scale))};
    }
}
