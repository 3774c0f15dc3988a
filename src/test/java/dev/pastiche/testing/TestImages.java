package dev.pastiche.testing;

import dev.pastiche.image.RgbImage;
import java.util.Random;

/** Images the tests and benchmarks make for themselves. */
public final class TestImages {

    private TestImages() {
    }

    /** Seeded uniform RGB noise. */
    public static RgbImage noise(int width, int height, long seed) {
        RgbImage image = RgbImage.blank(width, height);
        Random random = new Random(seed);
        int[] pixels = image.pixels();
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = random.nextInt(1 << 24);
        }
        return image;
    }
}
