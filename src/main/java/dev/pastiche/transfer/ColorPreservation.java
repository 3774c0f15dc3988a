package dev.pastiche.transfer;

import dev.pastiche.image.RgbImage;

/**
 * Luminance-only transfer (Gatys et al., "Preserving Color in Neural Artistic Style Transfer",
 * 2016): the output keeps its luminance Y and takes the content's chrominance I, Q (YIQ, NTSC).
 */
final class ColorPreservation {

    private ColorPreservation() {
    }

    /** {@code content} must have the output's size. */
    static RgbImage apply(RgbImage output, RgbImage content) {
        RgbImage out = RgbImage.blank(output.width(), output.height());
        int[] o = output.pixels();
        int[] c = content.pixels();
        int[] dst = out.pixels();
        for (int i = 0; i < o.length; i++) {
            double y = luma(o[i]);
            double ci = inPhase(c[i]);
            double cq = quadrature(c[i]);
            int r = clamp(y + 0.956 * ci + 0.619 * cq);
            int g = clamp(y - 0.272 * ci - 0.647 * cq);
            int b = clamp(y - 1.106 * ci + 1.703 * cq);
            dst[i] = (r << 16) | (g << 8) | b;
        }
        return out;
    }

    static double luma(int p) {
        return 0.299 * red(p) + 0.587 * green(p) + 0.114 * blue(p);
    }

    static double inPhase(int p) {
        return 0.596 * red(p) - 0.274 * green(p) - 0.322 * blue(p);
    }

    static double quadrature(int p) {
        return 0.211 * red(p) - 0.523 * green(p) + 0.312 * blue(p);
    }

    private static int red(int p) {
        return (p >> 16) & 0xff;
    }

    private static int green(int p) {
        return (p >> 8) & 0xff;
    }

    private static int blue(int p) {
        return p & 0xff;
    }

    private static int clamp(double v) {
        return (int) Math.round(Math.max(0, Math.min(255, v)));
    }
}
