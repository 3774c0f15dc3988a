package dev.pastiche.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ImageOpsTests {

    private static final int COLOUR = 0x336699;

    @ParameterizedTest(name = "{0}×{1} → {2}×{3}")
    @CsvSource({
            "16, 12, 5, 7", // down, aspect changed
            "16, 12, 40, 30", // up
            "64, 48, 3, 2", // a large reduction: halvings first
            "7, 5, 1, 1",
            "1, 1, 9, 4"})
    void resizeGivesTheRequestedSizeAndKeepsAFlatColour(int width, int height, int toWidth, int toHeight) {
        RgbImage flat = flat(width, height, COLOUR);

        RgbImage resized = ImageOps.resize(flat, toWidth, toHeight);

        assertThat(resized.width()).isEqualTo(toWidth);
        assertThat(resized.height()).isEqualTo(toHeight);
        assertThat(resized.pixels()).as("every pixel %06x", COLOUR).containsOnly(COLOUR);
    }

    @Test
    void resizeToTheSameSizeReturnsTheImageItself() {
        RgbImage image = flat(8, 6, COLOUR);

        assertThat(ImageOps.resize(image, 8, 6)).isSameAs(image);
    }

    @Test
    void resizeKeepsWhereThingsAre() {
        RgbImage image = RgbImage.blank(32, 16);
        for (int y = 0; y < 16; y++) {
            Arrays.fill(image.pixels(), y * 32, y * 32 + 16, 0xff0000);
            Arrays.fill(image.pixels(), y * 32 + 16, y * 32 + 32, 0x0000ff);
        }

        RgbImage resized = ImageOps.resize(image, 8, 4);

        for (int y = 0; y < 4; y++) {
            assertThat(resized.pixels()[y * 8]).as("left edge, row %d", y).isEqualTo(0xff0000);
            assertThat(resized.pixels()[y * 8 + 7]).as("right edge, row %d", y).isEqualTo(0x0000ff);
        }
    }

    @Test
    void largeReductionAveragesEverySourcePixel() {
        // each 16×16 cell is black with a white 4×4 square at its centre, where a single
        // filtering pass from 64 to 4 would sample: averaged, a cell is 255·16/256 ≈ 16
        RgbImage cells = RgbImage.blank(64, 64);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                boolean centre = x % 16 >= 6 && x % 16 < 10 && y % 16 >= 6 && y % 16 < 10;
                cells.pixels()[y * 64 + x] = centre ? 0xffffff : 0x000000;
            }
        }

        RgbImage resized = ImageOps.resize(cells, 4, 4);

        for (int p : resized.pixels()) {
            assertThat(p & 0xff).as("pixel %06x", p).isCloseTo(16, within(4));
            assertThat(p >> 16).as("pixel %06x is grey", p).isEqualTo(p & 0xff);
        }
    }

    @Test
    void pngRoundTripsExactly() {
        RgbImage image = RgbImage.blank(5, 3);
        for (int i = 0; i < image.pixels().length; i++) {
            image.pixels()[i] = i * 0x0b1d2f & 0xffffff;
        }

        byte[] png = ImageOps.png(image.image());

        assertThat(ImageFormat.sniff(png)).contains(ImageFormat.PNG);
        RgbImage decoded = new ImageDecoder(new ImageProperties(15)).decode(png, "image");
        assertThat(decoded.width()).isEqualTo(5);
        assertThat(decoded.height()).isEqualTo(3);
        assertThat(decoded.pixels()).containsExactly(image.pixels());
    }

    private static RgbImage flat(int width, int height, int colour) {
        RgbImage image = RgbImage.blank(width, height);
        Arrays.fill(image.pixels(), colour);
        return image;
    }
}
