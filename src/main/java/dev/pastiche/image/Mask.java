package dev.pastiche.image;

/**
 * A style mask (API.md's spatial control): one value in [0, 1] per pixel, row-major, where 1 means
 * that style applies fully and 0 not at all.
 */
public record Mask(int width, int height, float[] values) {

    public Mask {
        if (width < 1 || height < 1 || values.length != width * height) {
            throw new IllegalArgumentException("a " + width + "×" + height + " mask needs " + width * height + " values, got " + values.length);
        }
    }

    /** The grey levels of an image (ITU-R BT.601 luma, as the colour handling's luminance): black 0, white 1. */
    public static Mask ofLuma(RgbImage image) {
        int[] pixels = image.pixels();
        float[] values = new float[pixels.length];
        for (int i = 0; i < pixels.length; i++) {
            int p = pixels[i];
            values[i] = (float) ((0.299 * ((p >> 16) & 0xff) + 0.587 * ((p >> 8) & 0xff) + 0.114 * (p & 0xff)) / 255);
        }
        return new Mask(image.width(), image.height(), values);
    }

    /** A mask that is 1 everywhere. */
    public static Mask full(int width, int height) {
        float[] values = new float[width * height];
        java.util.Arrays.fill(values, 1f);
        return new Mask(width, height, values);
    }

    /** The largest value: 0 for a mask that selects nothing. */
    public float max() {
        float max = 0;
        for (float v : values) {
            max = Math.max(max, v);
        }
        return max;
    }

    /** Width over height. */
    public double aspectRatio() {
        return (double) width / height;
    }

    /**
     * Resized by area averaging ({@link ImageOps#areaResize}), so that a layer sees the share of each
     * of its positions the mask covers.
     */
    public Mask areaResized(int newWidth, int newHeight) {
        if (newWidth == width && newHeight == height) {
            return this;
        }
        return new Mask(newWidth, newHeight, ImageOps.areaResize(values, width, height, newWidth, newHeight));
    }
}
