package dev.pastiche.image;

/** EXIF orientation tag values (1–8, TIFF 6.0 §Orientation) applied so images come out upright. */
final class Orientation {

    private Orientation() {
    }

    static RgbImage apply(RgbImage image, int orientation) {
        if (orientation < 2 || orientation > 8) {
            return image;
        }
        int w = image.width();
        int h = image.height();
        boolean transposed = orientation >= 5;
        int ow = transposed ? h : w;
        int oh = transposed ? w : h;
        RgbImage out = RgbImage.blank(ow, oh);
        int[] src = image.pixels();
        int[] dst = out.pixels();
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                // (sx, sy): the stored pixel that is displayed at (x, y)
                int sx;
                int sy;
                switch (orientation) {
                    case 2 -> { sx = w - 1 - x; sy = y; }
                    case 3 -> { sx = w - 1 - x; sy = h - 1 - y; }
                    case 4 -> { sx = x; sy = h - 1 - y; }
                    case 5 -> { sx = y; sy = x; }
                    case 6 -> { sx = y; sy = h - 1 - x; }
                    case 7 -> { sx = w - 1 - y; sy = h - 1 - x; }
                    default -> { sx = w - 1 - y; sy = x; }
                }
                dst[y * ow + x] = src[sy * w + sx];
            }
        }
        return out;
    }
}
