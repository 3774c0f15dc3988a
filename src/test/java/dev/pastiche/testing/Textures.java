package dev.pastiche.testing;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Three texture classes for transfer learning, made here: stripes (at any angle), dots (on a
 * shifted grid) and checks, each at a random scale and phase, so that only the pattern tells the
 * classes apart. All are dark on light: on random VGG weights a texture's colours swamp its pattern
 * (with two random colours per image, a linear head on block5_pool held out 4 of 12 right, chance).
 */
public final class Textures {

    public static final String[] CLASSES = {"checks", "dots", "stripes"};

    private Textures() {
    }

    /** Dark ink on light paper, for every class. */
    private static final int INK = 0x202020;
    private static final int PAPER = 0xe0e0e0;

    public static BufferedImage make(String kind, int side, Random random) {
        int a = INK;
        int b = PAPER;
        double phaseX = random.nextDouble() * 16;
        double phaseY = random.nextDouble() * 16;
        BufferedImage image = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        switch (kind) {
            case "stripes" -> {
                double angle = random.nextDouble() * Math.PI;
                double period = 5 + random.nextDouble() * 7;
                double cos = Math.cos(angle);
                double sin = Math.sin(angle);
                fill(image, (x, y) -> ((x * cos + y * sin + phaseX) / period) % 1 < 0.5, a, b);
            }
            case "dots" -> {
                double spacing = 8 + random.nextDouble() * 6;
                double radius = spacing * (0.18 + random.nextDouble() * 0.12);
                fill(image, (x, y) -> {
                    double dx = (x + phaseX) % spacing - spacing / 2;
                    double dy = (y + phaseY) % spacing - spacing / 2;
                    return dx * dx + dy * dy < radius * radius;
                }, a, b);
            }
            case "checks" -> {
                double cell = 4 + random.nextDouble() * 6;
                fill(image, (x, y) -> (((int) ((x + phaseX) / cell)) + ((int) ((y + phaseY) / cell))) % 2 == 0, a, b);
            }
            default -> throw new IllegalArgumentException(kind);
        }
        return image;
    }

    public static byte[] png(BufferedImage image) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            javax.imageio.ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private interface Pattern {
        boolean on(double x, double y);
    }

    private static void fill(BufferedImage image, Pattern pattern, int on, int off) {
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                image.setRGB(x, y, pattern.on(x, y) ? on : off);
            }
        }
    }

    /** A zip of the given entries (name → bytes); a name ending in / is a folder. */
    public static byte[] zip(Map<String, byte[]> entries) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
                out.putNextEntry(new ZipEntry(entry.getKey()));
                out.write(entry.getValue());
                out.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
