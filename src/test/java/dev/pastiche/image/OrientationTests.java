package dev.pastiche.image;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * All eight EXIF orientations (TIFF 6.0) on a stored 3×2 image whose pixels are a b c / d e f,
 * written out as what a viewer shows. ImageDecoderTests checks 3, 6 and 8 on real JPEGs.
 */
class OrientationTests {

    private static final int A = 0xa, B = 0xb, C = 0xc, D = 0xd, E = 0xe, F = 0xf;

    @ParameterizedTest(name = "orientation {0}")
    @CsvSource(delimiter = '|', textBlock = """
            1 | 3 | abcdef
            2 | 3 | cbafed
            3 | 3 | fedcba
            4 | 3 | defabc
            5 | 2 | adbecf
            6 | 2 | daebfc
            7 | 2 | fcebda
            8 | 2 | cfbead
            """)
    void displaysTheStoredImageAsTheTagSays(int orientation, int width, String shown) {
        RgbImage upright = Orientation.apply(stored(), orientation);

        assertThat(upright.width()).isEqualTo(width);
        assertThat(upright.height()).isEqualTo(6 / width);
        assertThat(upright.pixels()).containsExactly(shown.chars().map(c -> Character.digit(c, 16)).toArray());
    }

    @ParameterizedTest(name = "orientation {0}")
    @ValueSource(ints = {0, 9, -1, 65535})
    void leavesTheImageAloneForValuesOutsideTheTag(int orientation) {
        assertThat(Orientation.apply(stored(), orientation).pixels()).containsExactly(A, B, C, D, E, F);
    }

    private static RgbImage stored() {
        RgbImage image = RgbImage.blank(3, 2);
        System.arraycopy(new int[] {A, B, C, D, E, F}, 0, image.pixels(), 0, 6);
        return image;
    }
}
