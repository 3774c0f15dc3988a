package dev.pastiche.transfer;

import dev.pastiche.image.RgbImage;
import java.util.List;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.RealMatrix;

/**
 * API.md's colour modes (Gatys et al., "Preserving Color in Neural Artistic Style Transfer", 2016):
 * luminance transfer in YIQ (NTSC), and colour-histogram matching by the linear map between two
 * colour distributions' mean and covariance.
 */
final class ColorControl {

    /** Below this a colour covariance's eigenvalue counts as zero (a flat image has no spread to match). */
    private static final double SMALLEST_VARIANCE = 1e-10;

    private ColorControl() {
    }

    /** The images the run optimises against for {@code mode}: the content and the styles, their colours handled. */
    static Inputs inputs(ColorMode mode, RgbImage content, List<RgbImage> styles) {
        return switch (mode) {
            case NONE, LUMINANCE -> new Inputs(content, styles);
            case HISTOGRAM -> new Inputs(content, styles.stream().map(style -> matchHistogram(style, content)).toList());
            case LUMINANCE_ONLY -> new Inputs(luminance(content), styles.stream().map(style -> luminanceMatched(style, content)).toList());
        };
    }

    /** What the run optimises against. */
    record Inputs(RgbImage content, List<RgbImage> styles) {
    }

    /** The optimised image as {@code mode} delivers it; {@code content} in colour, at the output's size. */
    static RgbImage deliver(ColorMode mode, RgbImage output, RgbImage content) {
        return mode == ColorMode.LUMINANCE || mode == ColorMode.LUMINANCE_ONLY ? withChrominanceOf(output, content) : output;
    }

    /**
     * The output's luminance Y with the content's chrominance I, Q. Where that colour falls outside
     * the RGB cube, Y moves to the nearest value inside it rather than clipping a channel, so the
     * chrominance stays the content's (such a Y exists: the content's own pixel has that chrominance).
     */
    static RgbImage withChrominanceOf(RgbImage output, RgbImage content) {
        RgbImage out = RgbImage.blank(output.width(), output.height());
        int[] o = output.pixels();
        int[] c = content.pixels();
        int[] dst = out.pixels();
        for (int i = 0; i < o.length; i++) {
            double ci = inPhase(c[i]);
            double cq = quadrature(c[i]);
            double dr = 0.956 * ci + 0.619 * cq;
            double dg = -0.272 * ci - 0.647 * cq;
            double db = -1.106 * ci + 1.703 * cq;
            double low = -Math.min(dr, Math.min(dg, db));
            double high = 255 - Math.max(dr, Math.max(dg, db));
            // the rounded YIQ coefficients can leave a saturated pixel's interval a hair empty: then its middle
            double y = low <= high ? Math.max(low, Math.min(high, luma(o[i]))) : (low + high) / 2;
            dst[i] = pack(clamp(y + dr), clamp(y + dg), clamp(y + db));
        }
        return out;
    }

    /**
     * The style with its colours moved to the content's distribution: {@code x' = A(x − μs) + μc}
     * with {@code A = Σc^½ Σs^-½}, the symmetric square roots of the RGB covariances (Gatys et al.
     * 2016, §2.2, their "image analogies" variant), so that x' has the content's mean and
     * covariance. Values leaving [0, 255] are clipped.
     */
    static RgbImage matchHistogram(RgbImage style, RgbImage content) {
        ColorStatistics s = ColorStatistics.of(style);
        ColorStatistics c = ColorStatistics.of(content);
        RealMatrix a = power(c.covariance(), 0.5).multiply(power(s.covariance(), -0.5));
        double[][] m = a.getData();
        RgbImage out = RgbImage.blank(style.width(), style.height());
        int[] src = style.pixels();
        int[] dst = out.pixels();
        for (int i = 0; i < src.length; i++) {
            double[] x = {red(src[i]) - s.mean()[0], green(src[i]) - s.mean()[1], blue(src[i]) - s.mean()[2]};
            int[] v = new int[3];
            for (int k = 0; k < 3; k++) {
                v[k] = clamp(m[k][0] * x[0] + m[k][1] * x[1] + m[k][2] * x[2] + c.mean()[k]);
            }
            dst[i] = pack(v[0], v[1], v[2]);
        }
        return out;
    }

    /** {@code m^p} of a symmetric positive semi-definite 3×3 matrix, by its eigendecomposition. */
    private static RealMatrix power(RealMatrix m, double p) {
        EigenDecomposition eigen = new EigenDecomposition(m);
        RealMatrix v = eigen.getV();
        double[] lambda = eigen.getRealEigenvalues();
        RealMatrix d = new Array2DRowRealMatrix(3, 3);
        for (int k = 0; k < 3; k++) {
            d.setEntry(k, k, Math.pow(Math.max(lambda[k], SMALLEST_VARIANCE), p));
        }
        return v.multiply(d).multiply(v.transpose());
    }

    /** Mean and covariance of an image's RGB values over its pixels (0–255). */
    record ColorStatistics(double[] mean, RealMatrix covariance) {

        static ColorStatistics of(RgbImage image) {
            int[] pixels = image.pixels();
            double[] mean = new double[3];
            for (int p : pixels) {
                mean[0] += red(p);
                mean[1] += green(p);
                mean[2] += blue(p);
            }
            for (int k = 0; k < 3; k++) {
                mean[k] /= pixels.length;
            }
            double[][] cov = new double[3][3];
            for (int p : pixels) {
                double[] x = {red(p) - mean[0], green(p) - mean[1], blue(p) - mean[2]};
                for (int j = 0; j < 3; j++) {
                    for (int k = 0; k < 3; k++) {
                        cov[j][k] += x[j] * x[k];
                    }
                }
            }
            RealMatrix covariance = new Array2DRowRealMatrix(cov).scalarMultiply(1.0 / pixels.length);
            return new ColorStatistics(mean, covariance);
        }
    }

    /** The image's luminance Y in all three channels. */
    static RgbImage luminance(RgbImage image) {
        RgbImage out = RgbImage.blank(image.width(), image.height());
        int[] src = image.pixels();
        int[] dst = out.pixels();
        for (int i = 0; i < src.length; i++) {
            int y = clamp(luma(src[i]));
            dst[i] = pack(y, y, y);
        }
        return out;
    }

    /**
     * The style's luminance, shifted and scaled to the content luminance's mean and standard
     * deviation (Gatys et al. 2016, §2.1), in all three channels.
     */
    static RgbImage luminanceMatched(RgbImage style, RgbImage content) {
        double[] s = lumaMoments(style);
        double[] c = lumaMoments(content);
        double gain = s[1] > 0 ? c[1] / s[1] : 1;
        RgbImage out = RgbImage.blank(style.width(), style.height());
        int[] src = style.pixels();
        int[] dst = out.pixels();
        for (int i = 0; i < src.length; i++) {
            int y = clamp((luma(src[i]) - s[0]) * gain + c[0]);
            dst[i] = pack(y, y, y);
        }
        return out;
    }

    /** Mean and standard deviation of the luminance. */
    private static double[] lumaMoments(RgbImage image) {
        int[] pixels = image.pixels();
        double sum = 0;
        double squares = 0;
        for (int p : pixels) {
            double y = luma(p);
            sum += y;
            squares += y * y;
        }
        double mean = sum / pixels.length;
        return new double[] {mean, Math.sqrt(Math.max(0, squares / pixels.length - mean * mean))};
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

    private static int pack(int r, int g, int b) {
        return (r << 16) | (g << 8) | b;
    }

    private static int clamp(double v) {
        return (int) Math.round(Math.max(0, Math.min(255, v)));
    }
}
