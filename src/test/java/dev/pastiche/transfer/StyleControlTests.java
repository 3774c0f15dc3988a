package dev.pastiche.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.pastiche.image.Mask;
import dev.pastiche.image.RgbImage;
import dev.pastiche.perception.PerceptionModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spatial, colour and scale control (Gatys et al., "Controlling Perceptual Factors in Neural Style
 * Transfer", 2017) through the engine: masks through stages and both optimisers, the colour modes
 * checked against statistics computed here rather than by the implementation's own colour
 * functions, and per-style scales. The masked objective's numbers are EngineReferenceTests'.
 */
class StyleControlTests {

    private static final String SHALLOW_CONTENT = "block2_conv2";
    private static final List<String> SHALLOW_STYLE = List.of("block1_conv1", "block2_conv1");

    @TempDir
    static Path dir;

    private static PerceptionModel model;
    private static StyleTransferEngine engine;
    private static RgbImage content;
    private static RgbImage style;
    private static RgbImage otherStyle;

    @BeforeAll
    static void load() {
        model = TransferFixtures.randomModel(dir);
        engine = TransferFixtures.engine(model);
        content = TransferFixtures.picture(72, 48, 1);
        style = TransferFixtures.picture(40, 56, 2);
        otherStyle = TransferFixtures.picture(50, 50, 3);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static OptionsBuilder shallow(int size, int iterations) {
        return OptionsBuilder.options().with("size", size).with("iterations", iterations).with("optimizer", OptimizerType.ADAM)
                .with("contentLayer", SHALLOW_CONTENT).with("styleLayers", SHALLOW_STYLE).with("seed", 1);
    }

    private static TransferResult run(OptionsBuilder options, List<RgbImage> styles, List<Mask> masks, TransferListener listener) {
        return engine.run(TransferFixtures.request(engine, content, styles, masks, options.build()), listener, () -> false);
    }

    // --- masks -----------------------------------------------------------------------------------

    /**
     * One style under a mask that selects everything is the plain objective (the masked Gram equals
     * the Gram), here through two stages, L-BFGS and a mask at three times the content's resolution.
     */
    @Test
    void aFullMaskOnOneStyleGivesThePlainRunThroughStagesAndLbfgs() {
        OptionsBuilder options = shallow(48, 4).with("optimizer", OptimizerType.LBFGS).with("scales", 2).with("minSize", 32)
                .with("initialIterations", 2);

        TransferResult plain = run(options, List.of(style), List.of(), TransferListener.NONE);
        TransferResult masked = run(options, List.of(style), List.of(Mask.full(216, 144)), TransferListener.NONE);

        assertThat(masked.evaluations()).isEqualTo(plain.evaluations());
        assertThat(masked.losses().total()).isCloseTo(plain.losses().total(), within(1e-5 * plain.losses().total()));
        assertThat(maxDifference(masked.image(), plain.image())).as("largest channel difference").isLessThanOrEqualTo(1);
    }

    /**
     * With one style on the left and another on the right, each half of the result is pulled to its
     * own style: swapping the masks changes the image, and each side moves further from the
     * content where its style is further from the content.
     */
    @Test
    void swappingTheMasksSwapsWhereEachStyleGoes() {
        Mask left = half(72, 48, true);
        Mask right = half(72, 48, false);
        OptionsBuilder options = shallow(72, 20).with("styleWeight", 1e7);

        TransferResult leftFirst = run(options, List.of(style, otherStyle), List.of(left, right), TransferListener.NONE);
        TransferResult swapped = run(options, List.of(style, otherStyle), List.of(right, left), TransferListener.NONE);
        TransferResult onlyFirst = run(options, List.of(style), List.of(left), TransferListener.NONE);

        assertThat(maxDifference(leftFirst.image(), swapped.image())).isGreaterThan(10);
        // uncovered pixels follow the content loss only: the right half moves less than the left
        assertThat(meanDifference(onlyFirst.image(), content, false)).as("uncovered right half")
                .isLessThan(meanDifference(onlyFirst.image(), content, true));
    }

    @Test
    void masksCountInTheMemoryEstimate() {
        ResolvedOptions options = engine.resolve(OptionsBuilder.options().with("size", 256).build(), 2, true);

        assertThat(engine.peakBytes(options, 2, 256, 256)).isGreaterThan(engine.peakBytes(options, 0, 256, 256));
    }

    // --- colour modes ----------------------------------------------------------------------------

    /** The transformed style's colour mean and covariance are the content's, computed here independently. */
    @Test
    void histogramMatchingGivesTheStyleTheContentsColourMeanAndCovariance() {
        RgbImage reddish = colourful(80, 60, 11, new double[] {170, 90, 80}, new double[][] {{30, 0, 0}, {12, 20, 0}, {-8, 5, 15}});
        RgbImage bluish = colourful(64, 64, 12, new double[] {90, 120, 160}, new double[][] {{18, 0, 0}, {10, 25, 0}, {6, 12, 22}});

        RgbImage matched = ColorControl.matchHistogram(reddish, bluish);

        double[][] want = moments(bluish);
        double[][] got = moments(matched);
        for (int k = 0; k < 3; k++) {
            assertThat(got[0][k]).as("mean of channel %d", k).isCloseTo(want[0][k], within(1e-3));
            for (int j = 0; j < 3; j++) {
                assertThat(got[1 + k][j]).as("covariance %d,%d", k, j).isCloseTo(want[1 + k][j], within(1e-3));
            }
        }
        assertThat(moments(reddish)[0][0]).as("the style was far from the content").isGreaterThan(want[0][0] + 0.2);
    }

    /** The delivered image and every preview have the content's chrominance, to a grey level. */
    @Test
    void luminanceOnlyDeliversTheContentsChrominance() {
        Recorder recorder = new Recorder();

        TransferResult result = run(shallow(72, 6).with("colorMode", "luminance-only").with("init", "noise").with("previewEvery", 3),
                List.of(style), List.of(), recorder);

        assertThat(result.options().output().colorMode()).isEqualTo(ColorMode.LUMINANCE_ONLY);
        assertThat(chrominanceDifference(result.image(), content)).as("largest |ΔI|, |ΔQ| of the result").isLessThanOrEqualTo(1.0);
        assertThat(recorder.previews).hasSize(2);
        for (RgbImage preview : recorder.previews) {
            assertThat(chrominanceDifference(preview, content)).as("largest |ΔI|, |ΔQ| of a preview").isLessThanOrEqualTo(1.0);
        }
        TransferResult free = run(shallow(72, 6).with("init", "noise"), List.of(style), List.of(), TransferListener.NONE);
        assertThat(chrominanceDifference(free.image(), content)).as("without it").isGreaterThan(10);
    }

    /** Where the output's luminance and the content's chrominance leave the RGB cube, the luminance gives way, not the chrominance. */
    @Test
    void theContentsChrominanceSurvivesBlackAndWhiteOutputs() {
        RgbImage vivid = colourful(32, 32, 5, new double[] {200, 40, 60}, new double[][] {{40, 0, 0}, {0, 40, 0}, {0, 0, 40}});
        for (int grey : new int[] {0, 255}) {
            RgbImage flat = RgbImage.blank(32, 32);
            java.util.Arrays.fill(flat.pixels(), (grey << 16) | (grey << 8) | grey);

            assertThat(chrominanceDifference(ColorControl.withChrominanceOf(flat, vivid), vivid)).as("output %d", grey).isLessThanOrEqualTo(1.0);
        }
    }

    // --- per-style scales ------------------------------------------------------------------------

    @Test
    void styleScalesOverrideStyleScalePerStyle() {
        OptionsBuilder options = shallow(48, 3);

        TransferResult both = run(options.with("styleScale", 2.0), List.of(style, otherStyle), List.of(), TransferListener.NONE);
        TransferResult each = run(shallow(48, 3).with("styleScales", List.of(2.0, 2.0)), List.of(style, otherStyle), List.of(),
                TransferListener.NONE);
        TransferResult mixed = run(shallow(48, 3).with("styleScales", List.of(0.5, 2.0)), List.of(style, otherStyle), List.of(),
                TransferListener.NONE);

        assertThat(each.image().pixels()).as("the same scale for each").isEqualTo(both.image().pixels());
        assertThat(mixed.image().pixels()).as("another scale for one").isNotEqualTo(both.image().pixels());
        assertThat(mixed.options().schedule().styleScales()).containsExactly(0.5, 2.0);
    }

    @Test
    void admissionCountsTheLargestStyleScale() {
        ResolvedOptions one = engine.resolve(OptionsBuilder.options().with("size", 512).with("styleScale", 3.0).build(), 2);
        ResolvedOptions each = engine.resolve(OptionsBuilder.options().with("size", 512).with("styleScales", List.of(1.0, 3.0)).build(), 2);
        ResolvedOptions small = engine.resolve(OptionsBuilder.options().with("size", 512).build(), 2);

        assertThat(engine.peakBytes(each, 0, 512, 512)).isEqualTo(engine.peakBytes(one, 0, 512, 512))
                .isGreaterThan(engine.peakBytes(small, 0, 512, 512));
    }

    // --- helpers ---------------------------------------------------------------------------------

    private static final class Recorder implements TransferListener {
        final List<RgbImage> previews = new ArrayList<>();

        @Override
        public void preview(RgbImage image, TransferProgress progress) {
            previews.add(image);
        }
    }

    private static Mask half(int width, int height, boolean left) {
        float[] values = new float[width * height];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                values[y * width + x] = (x < width / 2) == left ? 1 : 0;
            }
        }
        return new Mask(width, height, values);
    }

    /** Colours {@code mean + L·z} with z standard normal per pixel: a known mean and covariance L·Lᵀ. */
    private static RgbImage colourful(int width, int height, long seed, double[] mean, double[][] lower) {
        Random random = new Random(seed);
        RgbImage image = RgbImage.blank(width, height);
        int[] pixels = image.pixels();
        for (int i = 0; i < pixels.length; i++) {
            double[] z = {random.nextGaussian(), random.nextGaussian(), random.nextGaussian()};
            int[] c = new int[3];
            for (int k = 0; k < 3; k++) {
                double v = mean[k];
                for (int j = 0; j < 3; j++) {
                    v += lower[k][j] * z[j];
                }
                c[k] = (int) Math.round(Math.max(0, Math.min(255, v)));
            }
            pixels[i] = (c[0] << 16) | (c[1] << 8) | c[2];
        }
        return image;
    }

    /** Row 0 the channel means, rows 1–3 the covariance, of the [0, 1] colours. */
    private static double[][] moments(RgbImage image) {
        int[] pixels = image.pixels();
        double[][] rgb = new double[pixels.length][3];
        double[][] out = new double[4][3];
        for (int i = 0; i < pixels.length; i++) {
            for (int k = 0; k < 3; k++) {
                rgb[i][k] = ((pixels[i] >> (16 - 8 * k)) & 0xff) / 255.0;
                out[0][k] += rgb[i][k] / pixels.length;
            }
        }
        for (double[] x : rgb) {
            for (int k = 0; k < 3; k++) {
                for (int j = 0; j < 3; j++) {
                    out[1 + k][j] += (x[k] - out[0][k]) * (x[j] - out[0][j]) / pixels.length;
                }
            }
        }
        return out;
    }

    /** Largest |ΔI| or |ΔQ| in grey levels, with NTSC's YIQ chrominance written out here. */
    private static double chrominanceDifference(RgbImage a, RgbImage b) {
        double worst = 0;
        for (int i = 0; i < a.pixels().length; i++) {
            double[] ca = chrominance(a.pixels()[i]);
            double[] cb = chrominance(b.pixels()[i]);
            worst = Math.max(worst, Math.max(Math.abs(ca[0] - cb[0]), Math.abs(ca[1] - cb[1])));
        }
        return worst;
    }

    private static double[] chrominance(int p) {
        double r = (p >> 16) & 0xff;
        double g = (p >> 8) & 0xff;
        double b = p & 0xff;
        return new double[] {0.596 * r - 0.274 * g - 0.322 * b, 0.211 * r - 0.523 * g + 0.312 * b};
    }

    private static int maxDifference(RgbImage a, RgbImage b) {
        int worst = 0;
        for (int i = 0; i < a.pixels().length; i++) {
            for (int shift = 0; shift <= 16; shift += 8) {
                worst = Math.max(worst, Math.abs(((a.pixels()[i] >> shift) & 0xff) - ((b.pixels()[i] >> shift) & 0xff)));
            }
        }
        return worst;
    }

    /** Mean channel difference over the left or the right half. */
    private static double meanDifference(RgbImage a, RgbImage b, boolean left) {
        double sum = 0;
        int count = 0;
        for (int y = 0; y < a.height(); y++) {
            for (int x = 0; x < a.width(); x++) {
                if ((x < a.width() / 2) != left) {
                    continue;
                }
                int i = y * a.width() + x;
                for (int shift = 0; shift <= 16; shift += 8) {
                    sum += Math.abs(((a.pixels()[i] >> shift) & 0xff) - ((b.pixels()[i] >> shift) & 0xff));
                    count++;
                }
            }
        }
        return sum / count;
    }
}
