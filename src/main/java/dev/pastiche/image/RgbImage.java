package dev.pastiche.image;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;

/** An 8-bit sRGB image with no alpha, upright: what every feature consumes. */
public record RgbImage(BufferedImage image) {

    public RgbImage {
        if (image.getType() != BufferedImage.TYPE_INT_RGB) {
            throw new IllegalArgumentException("RgbImage needs TYPE_INT_RGB, got type " + image.getType());
        }
    }

    public int width() {
        return image.getWidth();
    }

    public int height() {
        return image.getHeight();
    }

    /** Packed 0xRRGGBB pixels, row-major; the backing array, not a copy. */
    public int[] pixels() {
        return ((DataBufferInt) image.getRaster().getDataBuffer()).getData();
    }

    public static RgbImage blank(int width, int height) {
        return new RgbImage(new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB));
    }
}
