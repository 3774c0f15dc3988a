package dev.pastiche.perception;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.pastiche.image.RgbImage;

/** Images to and from (N, 3, H, W) float tensors of [0, 1] sRGB values (API.md's first step). */
public final class ImageTensors {

    private ImageTensors() {
    }

    /**
     * {@code x} clamped to [0, 1]. Not DJL's {@code clip}: it makes its bounds device tensors and
     * reads them back ({@code aten::item}), a synchronisation on a GPU at every call.
     */
    public static NDArray clampToUnit(NDArray x) {
        try (NDArray low = x.maximum(0f)) {
            return low.minimum(1f);
        }
    }

    public static NDArray batch(NDManager manager, RgbImage... images) {
        int w = images[0].width();
        int h = images[0].height();
        int plane = w * h;
        float[] data = new float[images.length * 3 * plane];
        for (int n = 0; n < images.length; n++) {
            if (images[n].width() != w || images[n].height() != h) {
                throw new IllegalArgumentException("a batch needs images of one size");
            }
            int[] pixels = images[n].pixels();
            int base = n * 3 * plane;
            for (int i = 0; i < plane; i++) {
                int p = pixels[i];
                data[base + i] = ((p >> 16) & 0xff) / 255f;
                data[base + plane + i] = ((p >> 8) & 0xff) / 255f;
                data[base + 2 * plane + i] = (p & 0xff) / 255f;
            }
        }
        return manager.create(data, new Shape(images.length, 3, h, w));
    }

    /**
     * The first image of a (N, 3, H, W) tensor, clamped to [0, 1] and rounded to 8 bits.
     *
     * @throws ArithmeticException when it holds NaN or an infinity, which would otherwise round to black
     */
    public static RgbImage toImage(NDArray batch) {
        int h = (int) batch.getShape().get(2);
        int w = (int) batch.getShape().get(3);
        int plane = w * h;
        float[] data;
        try (NDArray first = batch.get(0)) {
            data = first.toFloatArray();
        }
        for (float v : data) {
            if (!Float.isFinite(v)) {
                throw new ArithmeticException("the image holds non-finite values");
            }
        }
        RgbImage image = RgbImage.blank(w, h);
        int[] pixels = image.pixels();
        for (int i = 0; i < plane; i++) {
            pixels[i] = (to8(data[i]) << 16) | (to8(data[plane + i]) << 8) | to8(data[2 * plane + i]);
        }
        return image;
    }

    private static int to8(float v) {
        return Math.round(Math.max(0f, Math.min(1f, v)) * 255f);
    }
}
