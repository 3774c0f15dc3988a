package dev.pastiche.image;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/** Resizing and encoding. */
public final class ImageOps {

    private ImageOps() {
    }

    /**
     * Resizes with bicubic filtering; large reductions first halve repeatedly with bilinear
     * filtering so that every source pixel still contributes (one bicubic pass would alias).
     */
    public static RgbImage resize(RgbImage image, int width, int height) {
        if (image.width() == width && image.height() == height) {
            return image;
        }
        BufferedImage current = image.image();
        while (current.getWidth() / 2 >= width && current.getHeight() / 2 >= height) {
            current = draw(current, current.getWidth() / 2, current.getHeight() / 2, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        }
        return new RgbImage(draw(current, width, height, RenderingHints.VALUE_INTERPOLATION_BICUBIC));
    }

    /**
     * Values (row-major, width × height) resized by area averaging: each output value is the mean of
     * the inputs its rows {@code [⌊i·H/h⌋, ⌈(i+1)·H/h⌉)} and columns cover, as PyTorch's
     * {@code adaptive_avg_pool2d} (and {@code interpolate(mode="area")}) computes it. Enlarging
     * repeats values.
     */
    public static float[] areaResize(float[] values, int width, int height, int newWidth, int newHeight) {
        float[] out = new float[newWidth * newHeight];
        for (int i = 0; i < newHeight; i++) {
            int top = (int) Math.floor((double) i * height / newHeight);
            int bottom = (int) Math.ceil((double) (i + 1) * height / newHeight);
            for (int j = 0; j < newWidth; j++) {
                int left = (int) Math.floor((double) j * width / newWidth);
                int right = (int) Math.ceil((double) (j + 1) * width / newWidth);
                double sum = 0;
                for (int y = top; y < bottom; y++) {
                    for (int x = left; x < right; x++) {
                        sum += values[y * width + x];
                    }
                }
                out[i * newWidth + j] = (float) (sum / ((bottom - top) * (right - left)));
            }
        }
        return out;
    }

    private static BufferedImage draw(BufferedImage src, int width, int height, Object interpolation) {
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, interpolation);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.drawImage(src, 0, 0, width, height, null);
        } finally {
            g.dispose();
        }
        return out;
    }

    /** PNG, or JPEG at the writer's default quality. */
    public static byte[] encode(BufferedImage image, String format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, format, out)) {
                throw new IllegalStateException("no writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public static byte[] png(BufferedImage image) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, "png", out)) {
                throw new IllegalStateException("no PNG writer");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
