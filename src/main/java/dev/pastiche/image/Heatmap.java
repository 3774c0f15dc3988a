package dev.pastiche.image;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A map of values as an image: viridis from 0 (dark blue) to the map's largest value (yellow),
 * optionally blended over an image, with a legend strip below that shows the scale and its ends.
 */
public final class Heatmap {

    /** Viridis (matplotlib's, scripts/make_viridis.py): perceptually uniform, legible in grey and to colour-blind readers. */
    private static final int[] VIRIDIS = load("/colormaps/viridis.csv");
    static final int LEGEND_HEIGHT = 28;
    /** The heatmap's weight over the image it is blended with. */
    static final double OVERLAY_ALPHA = 0.6;

    private Heatmap() {
    }

    /**
     * @param values row-major, width × height, each ≥ 0
     * @param under blended under the map when not null (same size)
     * @param label what the values are, written in the legend
     */
    public static BufferedImage render(float[] values, int width, int height, RgbImage under, String label) {
        float max = 0;
        for (float v : values) {
            max = Math.max(max, v);
        }
        BufferedImage out = new BufferedImage(width, height + LEGEND_HEIGHT, BufferedImage.TYPE_INT_RGB);
        int[] base = under == null ? null : under.pixels();
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int i = y * width + x;
                int colour = colour(max > 0 ? values[i] / max : 0);
                out.setRGB(x, y, base == null ? colour : blend(colour, base[i]));
            }
        }
        legend(out, width, height, max, label);
        return out;
    }

    /** The colour of a fraction of the scale, 0–1. */
    static int colour(double fraction) {
        int index = (int) Math.round(Math.max(0, Math.min(1, fraction)) * (VIRIDIS.length - 1));
        return VIRIDIS[index];
    }

    private static int blend(int top, int bottom) {
        int r = (int) Math.round(OVERLAY_ALPHA * ((top >> 16) & 0xff) + (1 - OVERLAY_ALPHA) * ((bottom >> 16) & 0xff));
        int g = (int) Math.round(OVERLAY_ALPHA * ((top >> 8) & 0xff) + (1 - OVERLAY_ALPHA) * ((bottom >> 8) & 0xff));
        int b = (int) Math.round(OVERLAY_ALPHA * (top & 0xff) + (1 - OVERLAY_ALPHA) * (bottom & 0xff));
        return (r << 16) | (g << 8) | b;
    }

    /** A gradient bar over the image's width, with 0 at its left, the maximum at its right and the label between. */
    private static void legend(BufferedImage out, int width, int top, float max, String label) {
        int bar = LEGEND_HEIGHT / 2 - 2;
        for (int x = 0; x < width; x++) {
            int colour = colour(width > 1 ? (double) x / (width - 1) : 0);
            for (int y = top + 2; y < top + 2 + bar; y++) {
                out.setRGB(x, y, colour);
            }
        }
        Graphics2D g = out.createGraphics();
        try {
            text(g, width, top, max, label);
        } catch (InternalError | RuntimeException e) {
            // a JRE without fonts (fontconfig, a slim image) cannot draw text: the bar stays, and the
            // scale's ends are in the answer's headers too
        } finally {
            g.dispose();
        }
    }

    private static void text(Graphics2D g, int width, int top, float max, String label) {
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        int baseline = top + LEGEND_HEIGHT - 3;
        g.drawString("0", 1, baseline);
        String high = String.format(Locale.ROOT, "%.3g", max);
        g.drawString(high, width - g.getFontMetrics().stringWidth(high) - 1, baseline);
        int middle = (width - g.getFontMetrics().stringWidth(label)) / 2;
        if (middle > g.getFontMetrics().stringWidth("0") + 4) {
            g.drawString(label, middle, baseline);
        }
    }

    private static int[] load(String resource) {
        try (InputStream in = Heatmap.class.getResourceAsStream(resource);
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII))) {
            return reader.lines().mapToInt(line -> {
                String[] rgb = line.split(",");
                return (Integer.parseInt(rgb[0]) << 16) | (Integer.parseInt(rgb[1]) << 8) | Integer.parseInt(rgb[2]);
            }).toArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
