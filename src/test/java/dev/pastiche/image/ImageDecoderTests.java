package dev.pastiche.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assertions.assertTimeout;

import dev.pastiche.image.ImageRejectedException.Reason;
import dev.pastiche.testing.HostileImages;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The "Images in" convention of API.md, on real files from
 * {@code scripts/reference/make_image_fixtures.py} (src/test/resources/images). Lossless formats
 * are checked pixel for pixel against the formulas that script uses; JPEGs within a tolerance.
 */
class ImageDecoderTests {

    /** JPEG quality 95 without chroma subsampling, sampled in the middle of flat regions. */
    private static final int JPEG_TOLERANCE = 8;

    /** The 16-bit samples of rgb16.png and grey16.png (SAMPLES_16 in the script). */
    private static final int[] SAMPLES_16 = {0, 257, 32896, 65535, 1000, 65280, 128, 32767};

    /**
     * Their 8-bit values, round(v·255/65535): 1000 → 4 and 65280 → 254 tell rounding from
     * truncation (v >> 8 gives 3 and 255).
     */
    private static final int[] SAMPLES_16_AS_8 = {0, 1, 128, 255, 4, 254, 0, 127};

    private static final int[] RED = {255, 0, 0};
    private static final int[] GREEN = {0, 255, 0};
    private static final int[] BLUE = {0, 0, 255};
    private static final int[] WHITE = {255, 255, 255};

    /** At the default pastiche.image.max-pixels. */
    private final ImageDecoder decoder = decoder(4_194_304);

    // --- lossless PNG variants: exact values -------------------------------------------------

    @Test
    void rgbPngDecodesToItsExactSamples() {
        RgbImage image = decoder.decode(fixture("rgb8.png"), "image");

        assertThat(image.width()).isEqualTo(8);
        assertThat(image.height()).isEqualTo(6);
        for (int y = 0; y < 6; y++) {
            for (int x = 0; x < 8; x++) {
                assertThat(rgb(image, x, y)).as("(%d, %d)", x, y).containsExactly(30 * x + 5, 40 * y + 7, (13 * x * y) % 256);
            }
        }
    }

    @Test
    void greyPngIsReplicatedToThreeChannelsWithTheSameSamples() {
        RgbImage image = decoder.decode(fixture("grey8.png"), "image");

        assertThat(image.width()).isEqualTo(8);
        assertThat(image.height()).isEqualTo(6);
        for (int y = 0; y < 6; y++) {
            for (int x = 0; x < 8; x++) {
                // the sample itself: Java2D's getRGB would treat grey as linear light and brighten it
                int v = 32 * x + 5 * y;
                assertThat(rgb(image, x, y)).as("(%d, %d)", x, y).containsExactly(v, v, v);
            }
        }
    }

    @Test
    void twoBitGreyPngIsScaledToTheFullEightBitRange() {
        RgbImage image = decoder.decode(fixture("grey2.png"), "image");

        assertThat(row(image, 0)).containsExactly(grey(0), grey(85), grey(170), grey(255));
    }

    @Test
    void sixteenBitRgbPngIsScaledToEightBits() {
        RgbImage image = decoder.decode(fixture("rgb16.png"), "image");

        assertThat(image.width()).isEqualTo(SAMPLES_16.length);
        assertThat(image.height()).isEqualTo(3);
        for (int x = 0; x < SAMPLES_16.length; x++) {
            int v = SAMPLES_16_AS_8[x];
            String sample = "sample " + SAMPLES_16[x];
            assertThat(rgb(image, x, 0)).as("red " + sample).containsExactly(v, 0, 0);
            assertThat(rgb(image, x, 1)).as("green " + sample).containsExactly(0, v, 0);
            assertThat(rgb(image, x, 2)).as("blue " + sample).containsExactly(0, 0, v);
        }
    }

    @Test
    void sixteenBitGreyPngIsScaledToEightBitsWithoutGamma() {
        RgbImage image = decoder.decode(fixture("grey16.png"), "image");

        assertThat(image.width()).isEqualTo(SAMPLES_16.length);
        assertThat(row(image, 0)).containsExactly(Arrays.stream(SAMPLES_16_AS_8).map(ImageDecoderTests::grey).toArray());
    }

    @Test
    void palettePngDecodesToItsColoursWithATransparentEntryOverWhite() {
        RgbImage image = decoder.decode(fixture("palette.png"), "image");

        // index 3 is black in the palette but fully transparent by tRNS
        assertThat(row(image, 0)).containsExactly(0xff0000, 0x00ff00, 0x0000ff, 0xffffff);
    }

    @Test
    void rgbaPngIsCompositedOverWhite() {
        RgbImage image = decoder.decode(fixture("rgba.png"), "image");

        // opaque red; transparent black; black at alpha 128; red at alpha 128.
        // over white: c·a + (1 − a), a = 128/255, so 0 → 127 and 255 → 255
        assertThat(rgb(image, 0, 0)).containsExactly(255, 0, 0);
        assertThat(rgb(image, 1, 0)).containsExactly(255, 255, 255);
        assertThat(rgb(image, 2, 0)).containsExactly(127, 127, 127);
        assertThat(rgb(image, 3, 0)).containsExactly(255, 127, 127);
    }

    @Test
    void greyWithAlphaPngIsCompositedOverWhiteWithoutGamma() {
        RgbImage image = decoder.decode(fixture("grey_alpha.png"), "image");

        assertThat(row(image, 0)).containsExactly(grey(100), grey(255), grey(127));
    }

    // --- JPEG variants: approximate values ---------------------------------------------------

    @Test
    void rgbJpegDecodes() {
        RgbImage image = decoder.decode(fixture("quadrants.jpg"), "image");

        assertQuadrants(image);
    }

    @Test
    void greyJpegIsReplicatedToThreeChannelsWithoutGamma() {
        RgbImage image = decoder.decode(fixture("grey.jpg"), "image");

        assertThat(image.width()).isEqualTo(16);
        assertThat(image.height()).isEqualTo(8);
        int[] left = rgb(image, 3, 4);
        int[] right = rgb(image, 12, 4);
        // brightened as linear light, 64 would come out near 137
        assertNear(left, new int[] {64, 64, 64});
        assertNear(right, new int[] {192, 192, 192});
        assertThat(left[0]).isEqualTo(left[1]).isEqualTo(left[2]);
        assertThat(right[0]).isEqualTo(right[1]).isEqualTo(right[2]);
    }

    @Test
    void cmykJpegDecodesToPlausibleRgb() {
        byte[] bytes = fixture("cmyk.jpg");
        int sof = segment(bytes, 0xc0);
        assertThat(bytes[sof + 9]).as("the fixture's component count: CMYK").isEqualTo((byte) 4);
        assertThat(segment(bytes, 0xee)).as("its Adobe APP14 segment, which says how to read the four components")
                .isPositive();

        RgbImage image = decoder.decode(bytes, "image");

        assertThat(image.width()).isEqualTo(32);
        assertThat(image.height()).isEqualTo(24);
        // cyan, magenta / yellow, black; CMYK to RGB may go through a colour profile, so only the
        // character of each colour is asserted (an inverted or swapped reading would fail)
        int[] cyan = rgb(image, 8, 6);
        int[] magenta = rgb(image, 24, 6);
        int[] yellow = rgb(image, 8, 18);
        int[] black = rgb(image, 24, 18);
        assertThat(cyan[0]).as("cyan's red %s", Arrays.toString(cyan)).isLessThan(80);
        assertThat(cyan[1]).as("cyan's green %s", Arrays.toString(cyan)).isGreaterThan(120);
        assertThat(cyan[2]).as("cyan's blue %s", Arrays.toString(cyan)).isGreaterThan(180);
        assertThat(magenta[0]).as("magenta's red %s", Arrays.toString(magenta)).isGreaterThan(180);
        assertThat(magenta[1]).as("magenta's green %s", Arrays.toString(magenta)).isLessThan(80);
        assertThat(magenta[2]).as("magenta's blue %s", Arrays.toString(magenta)).isGreaterThan(80);
        assertThat(yellow[0]).as("yellow's red %s", Arrays.toString(yellow)).isGreaterThan(200);
        assertThat(yellow[1]).as("yellow's green %s", Arrays.toString(yellow)).isGreaterThan(200);
        assertThat(yellow[2]).as("yellow's blue %s", Arrays.toString(yellow)).isLessThan(80);
        assertThat(Arrays.stream(black).max().getAsInt()).as("black's brightest channel %s", Arrays.toString(black)).isLessThan(80);
    }

    @ParameterizedTest(name = "orientation {0}")
    @ValueSource(ints = {3, 6, 8})
    void exifOrientationIsAppliedSoTheImageComesOutUpright(int orientation) {
        byte[] bytes = fixture("orientation" + orientation + ".jpg");
        RgbImage stored = decoder.decode(stripExif(bytes), "image");
        // the fixture really is stored turned: what a viewer shows at the top right (6), bottom
        // right (3) or bottom left (8) is stored at the top left
        assertThat(stored.width()).isEqualTo(orientation == 3 ? 32 : 24);
        assertNear(rgb(stored, 0, 0), switch (orientation) {
            case 3 -> WHITE;
            case 6 -> GREEN;
            default -> BLUE;
        });

        RgbImage image = decoder.decode(bytes, "image");

        assertQuadrants(image);
    }

    // --- the pixel limit, before decoding ----------------------------------------------------

    @Test
    void hugeDeclaredPngSizeIsRejectedFromTheHeaderAlone() {
        byte[] bytes = HostileImages.pngDeclaring(60_000, 60_000);
        assertThat(bytes).hasSizeLessThan(100);

        ImageRejectedException e = assertTimeout(Duration.ofSeconds(2),
                () -> catchThrowableOfType(ImageRejectedException.class, () -> decoder.decode(bytes, "content")));

        assertThat(e).isNotNull();
        assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE);
        assertThat(e).hasMessageContaining("content").hasMessageContaining("60000×60000").hasMessageContaining("4194304");
    }

    @Test
    void hugeDeclaredJpegSizeIsRejectedFromTheHeaderAlone() {
        byte[] bytes = fixture("quadrants.jpg");
        int sof = segment(bytes, 0xc0);
        // SOF0: FF C0, length (2), precision (1), height (2), width (2)
        ByteBuffer.wrap(bytes, sof + 5, 4).putShort((short) 60_000).putShort((short) 60_000);

        ImageRejectedException e = assertTimeout(Duration.ofSeconds(2),
                () -> catchThrowableOfType(ImageRejectedException.class, () -> decoder.decode(bytes, "style")));

        assertThat(e).isNotNull();
        assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE);
        assertThat(e).hasMessageContaining("style").hasMessageContaining("60000×60000");
    }

    @Test
    void imageAtTheLimitIsAcceptedAndOnePixelMoreIsRejected() {
        byte[] bytes = fixture("rgb8.png"); // 8×6 = 48 pixels

        assertThat(decoder(48).decode(bytes, "image").pixels()).hasSize(48);
        assertThatThrownBy(() -> decoder(47).decode(bytes, "image")).isInstanceOfSatisfying(ImageRejectedException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE));
    }

    @Test
    void jpegLimitCountsThePixelsWhateverTheOrientation() {
        byte[] bytes = fixture("orientation6.jpg"); // stored 24×32 = 768 pixels, shown 32×24

        assertThat(decoder(768).decode(bytes, "image").width()).isEqualTo(32);
        assertThatThrownBy(() -> decoder(767).decode(bytes, "image")).isInstanceOfSatisfying(ImageRejectedException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE));
    }

    @Test
    void pngDeclaringNoPixelsIsInvalid() {
        assertRejected(HostileImages.pngDeclaring(0, 10), Reason.INVALID);
    }

    // --- what is not an image, or not a whole one --------------------------------------------

    @Test
    void zeroBytesAreInvalid() {
        ImageRejectedException e = assertRejected(new byte[0], Reason.INVALID);

        assertThat(e).hasMessageContaining("reference");
    }

    @Test
    void randomBytesAreAnUnsupportedType() {
        byte[] bytes = new byte[512];
        new Random(42).nextBytes(bytes);
        bytes[0] = 0x42; // neither a PNG nor a JPEG signature, whatever the seed gives

        ImageRejectedException e = assertRejected(bytes, Reason.UNSUPPORTED_TYPE);

        assertThat(e).hasMessageContaining("reference");
    }

    @Test
    void textIsAnUnsupportedType() {
        assertRejected("name,colour\nsky,blue\n".getBytes(StandardCharsets.UTF_8), Reason.UNSUPPORTED_TYPE);
    }

    @Test
    void gifIsAnUnsupportedTypeThoughJavaCouldDecodeIt() throws IOException {
        ByteArrayOutputStream gif = new ByteArrayOutputStream();
        assertThat(ImageIO.write(RgbImage.blank(4, 4).image(), "gif", gif)).isTrue();

        assertRejected(gif.toByteArray(), Reason.UNSUPPORTED_TYPE);
    }

    @Test
    void pngSignatureFollowedByGarbageIsInvalid() {
        byte[] bytes = Arrays.copyOf(fixture("rgb8.png"), 64);
        Arrays.fill(bytes, 8, bytes.length, (byte) 0x5a);

        assertRejected(bytes, Reason.INVALID);
    }

    @ParameterizedTest(name = "cut to {0}%")
    @ValueSource(ints = {25, 50, 75})
    void truncatedPngIsInvalid(int percent) {
        byte[] whole = fixture("rgb8.png");

        assertRejected(Arrays.copyOf(whole, whole.length * percent / 100), Reason.INVALID);
    }

    @Test
    void jpegCutInHalfIsInvalid() {
        byte[] whole = fixture("quadrants.jpg");

        assertRejected(Arrays.copyOf(whole, whole.length / 2), Reason.INVALID);
    }

    @ParameterizedTest(name = "cut at {0}% of the scan")
    @ValueSource(ints = {10, 50, 90})
    void jpegCutInsideItsScanDataIsInvalid(int percent) {
        byte[] whole = fixture("quadrants.jpg");
        int scan = segment(whole, 0xda);
        // small JPEGs are mostly tables: cut where the entropy-coded pixels are, not just in half
        int cut = scan + (whole.length - scan) * percent / 100;

        assertRejected(Arrays.copyOf(whole, cut), Reason.INVALID);
    }

    // --- helpers ------------------------------------------------------------------------------

    private static ImageDecoder decoder(long maxPixels) {
        return new ImageDecoder(new ImageProperties(maxPixels));
    }

    private ImageRejectedException assertRejected(byte[] bytes, Reason reason) {
        ImageRejectedException e = catchThrowableOfType(ImageRejectedException.class, () -> decoder.decode(bytes, "reference"));
        assertThat(e).as("rejection of %d bytes", bytes.length).isNotNull();
        assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason);
        return e;
    }

    /** Red, green / blue, white quadrants of the displayed 32×24 image, sampled at their centres. */
    private static void assertQuadrants(RgbImage image) {
        assertThat(image.width()).isEqualTo(32);
        assertThat(image.height()).isEqualTo(24);
        assertNear(rgb(image, 8, 6), RED);
        assertNear(rgb(image, 24, 6), GREEN);
        assertNear(rgb(image, 8, 18), BLUE);
        assertNear(rgb(image, 24, 18), WHITE);
        // corners too: a wrong transform that happened to keep centres would move these
        assertNear(rgb(image, 0, 0), RED);
        assertNear(rgb(image, 31, 0), GREEN);
        assertNear(rgb(image, 0, 23), BLUE);
        assertNear(rgb(image, 31, 23), WHITE);
    }

    private static void assertNear(int[] actual, int[] expected) {
        for (int c = 0; c < 3; c++) {
            assertThat(actual[c]).as("channel %d of %s, expected about %s", c, Arrays.toString(actual), Arrays.toString(expected))
                    .isCloseTo(expected[c], within(JPEG_TOLERANCE));
        }
    }

    private static int[] rgb(RgbImage image, int x, int y) {
        int p = image.pixels()[y * image.width() + x];
        return new int[] {(p >> 16) & 0xff, (p >> 8) & 0xff, p & 0xff};
    }

    private static int[] row(RgbImage image, int y) {
        return Arrays.copyOfRange(image.pixels(), y * image.width(), (y + 1) * image.width());
    }

    private static int grey(int v) {
        return (v << 16) | (v << 8) | v;
    }

    static byte[] fixture(String name) {
        try (InputStream in = ImageDecoderTests.class.getResourceAsStream("/images/" + name)) {
            assertThat(in).as("fixture %s", name).isNotNull();
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Where the JPEG segment with marker FF xx starts, walking the segments from SOI up to SOS. */
    private static int segment(byte[] jpeg, int marker) {
        int i = 2;
        while (i + 3 < jpeg.length && (jpeg[i] & 0xff) == 0xff) {
            int found = jpeg[i + 1] & 0xff;
            if (found == marker) {
                return i;
            }
            if (found == 0xda) {
                break;
            }
            i += 2 + (((jpeg[i + 2] & 0xff) << 8) | (jpeg[i + 3] & 0xff));
        }
        throw new AssertionError("no segment FF " + Integer.toHexString(marker).toUpperCase(Locale.ROOT));
    }

    /** The same JPEG without its APP1 (EXIF) segment, i.e. as stored, before orientation. */
    private static byte[] stripExif(byte[] jpeg) {
        int app1 = segment(jpeg, 0xe1);
        int length = ((jpeg[app1 + 2] & 0xff) << 8) | (jpeg[app1 + 3] & 0xff);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, app1);
        out.write(jpeg, app1 + 2 + length, jpeg.length - app1 - 2 - length);
        return out.toByteArray();
    }
}
