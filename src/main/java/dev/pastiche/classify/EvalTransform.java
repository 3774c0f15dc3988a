package dev.pastiche.classify;

import dev.pastiche.image.RgbImage;

/**
 * torchvision's evaluation transform for ImageNet classifiers, up to the tensor: {@code Resize(256)}
 * (the short side to 256, the long side to {@code int(256 · long / short)}) by antialiased bilinear
 * interpolation, then {@code CenterCrop(224)}. The interpolation is PyTorch's
 * {@code interpolate(mode="bilinear", antialias=True)} (Pillow's filter: a triangle widened by the
 * downscale factor), computed in floating point and rounded to 8 bits once at the end; Pillow, which
 * torchvision uses on PIL images, also rounds between its two passes (at most 1/255 apart). Only the
 * pixels the crop keeps are computed, so a long panorama costs no more than a square. ImageNet's
 * normalisation follows in the extractor.
 */
public final class EvalTransform {

    public static final int RESIZE = 256;
    public static final int CROP = 224;
    public static final String DESCRIPTION = "short side resized to " + RESIZE + " (bilinear, antialiased, as torchvision's "
            + "Resize(" + RESIZE + ")), " + CROP + "×" + CROP + " centre crop, then ImageNet's mean and std";

    private EvalTransform() {
    }

    /** The 224×224 centre crop of the image with its short side resized to 256. */
    public static RgbImage apply(RgbImage image) {
        int w = image.width();
        int h = image.height();
        int newW;
        int newH;
        // torchvision's _compute_resized_output_size: the long side truncated
        if (w <= h) {
            newW = RESIZE;
            newH = (int) ((double) RESIZE * h / w);
        } else {
            newH = RESIZE;
            newW = (int) ((double) RESIZE * w / h);
        }
        // torchvision's center_crop: int(round((size − crop) / 2)), Python rounding half to even
        int top = (int) Math.rint((newH - CROP) / 2.0);
        int left = (int) Math.rint((newW - CROP) / 2.0);
        Weights columns = Weights.of(w, newW, left, CROP);
        Weights rows = Weights.of(h, newH, top, CROP);
        int[] in = image.pixels();
        // horizontal pass over every input row, kept in floating point, then the vertical one
        float[] across = new float[3 * h * CROP];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < CROP; x++) {
                float r = 0;
                float g = 0;
                float b = 0;
                int start = columns.start[x];
                float[] weights = columns.weights[x];
                for (int k = 0; k < weights.length; k++) {
                    int p = in[y * w + start + k];
                    r += weights[k] * ((p >> 16) & 0xff);
                    g += weights[k] * ((p >> 8) & 0xff);
                    b += weights[k] * (p & 0xff);
                }
                int at = 3 * (y * CROP + x);
                across[at] = r;
                across[at + 1] = g;
                across[at + 2] = b;
            }
        }
        RgbImage out = RgbImage.blank(CROP, CROP);
        int[] pixels = out.pixels();
        for (int y = 0; y < CROP; y++) {
            int start = rows.start[y];
            float[] weights = rows.weights[y];
            for (int x = 0; x < CROP; x++) {
                float r = 0;
                float g = 0;
                float b = 0;
                for (int k = 0; k < weights.length; k++) {
                    int at = 3 * ((start + k) * CROP + x);
                    r += weights[k] * across[at];
                    g += weights[k] * across[at + 1];
                    b += weights[k] * across[at + 2];
                }
                pixels[y * CROP + x] = (to8(r) << 16) | (to8(g) << 8) | to8(b);
            }
        }
        return out;
    }

    private static int to8(float v) {
        // torch.round: half to even
        return (int) Math.max(0, Math.min(255, Math.rint(v)));
    }

    /**
     * The antialiased bilinear weights of output positions {@code from} … {@code from + count − 1}
     * along an axis resized from {@code in} to {@code out}: PyTorch's
     * {@code _compute_indices_min_size_weights_aa} (UpSampleKernel.cpp) with its triangle filter.
     */
    private record Weights(int[] start, float[][] weights) {

        static Weights of(int in, int out, int from, int count) {
            double scale = (double) in / out;
            double support = scale >= 1.0 ? scale : 1.0;
            double invScale = scale >= 1.0 ? 1.0 / scale : 1.0;
            int[] start = new int[count];
            float[][] weights = new float[count][];
            for (int i = 0; i < count; i++) {
                double center = scale * (from + i + 0.5);
                int min = Math.max((int) (center - support + 0.5), 0);
                int size = Math.min((int) (center + support + 0.5), in) - min;
                double[] w = new double[size];
                double total = 0;
                for (int j = 0; j < size; j++) {
                    w[j] = Math.max(0.0, 1.0 - Math.abs((j + min - center + 0.5) * invScale));
                    total += w[j];
                }
                start[i] = min;
                weights[i] = new float[size];
                for (int j = 0; j < size; j++) {
                    weights[i][j] = (float) (total == 0 ? 0 : w[j] / total);
                }
            }
            return new Weights(start, weights);
        }
    }
}
