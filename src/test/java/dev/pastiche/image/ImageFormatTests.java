package dev.pastiche.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ImageFormatTests {

    @Test
    void sniffsPngFromItsSignature() {
        assertThat(ImageFormat.sniff(ImageDecoderTests.fixture("rgb8.png"))).contains(ImageFormat.PNG);
        assertThat(ImageFormat.sniff(ImageDecoderTests.fixture("grey16.png"))).contains(ImageFormat.PNG);
    }

    @Test
    void sniffsJpegFromItsSignature() {
        assertThat(ImageFormat.sniff(ImageDecoderTests.fixture("quadrants.jpg"))).contains(ImageFormat.JPEG);
        assertThat(ImageFormat.sniff(ImageDecoderTests.fixture("cmyk.jpg"))).contains(ImageFormat.JPEG);
    }

    @Test
    void recognisesNothingElse() {
        assertThat(ImageFormat.sniff(new byte[0])).isEmpty();
        assertThat(ImageFormat.sniff("GIF89a....".getBytes(StandardCharsets.US_ASCII))).isEmpty();
        assertThat(ImageFormat.sniff("<svg xmlns=\"http://www.w3.org/2000/svg\"/>".getBytes(StandardCharsets.UTF_8))).isEmpty();
        assertThat(ImageFormat.sniff("PNG image".getBytes(StandardCharsets.US_ASCII))).isEmpty();
    }

    @Test
    void needsTheWholeSignature() {
        byte[] png = ImageDecoderTests.fixture("rgb8.png");
        byte[] jpeg = ImageDecoderTests.fixture("quadrants.jpg");

        assertThat(ImageFormat.sniff(Arrays.copyOf(png, 8))).contains(ImageFormat.PNG);
        assertThat(ImageFormat.sniff(Arrays.copyOf(png, 7))).isEmpty();
        assertThat(ImageFormat.sniff(Arrays.copyOf(jpeg, 3))).contains(ImageFormat.JPEG);
        assertThat(ImageFormat.sniff(Arrays.copyOf(jpeg, 2))).isEmpty();
        byte[] notQuitePng = png.clone();
        notQuitePng[7] = 0;
        assertThat(ImageFormat.sniff(notQuitePng)).isEmpty();
    }

    @Test
    void namesTheFormatForImageIoAndHttp() {
        assertThat(ImageFormat.PNG.formatName()).isEqualTo("png");
        assertThat(ImageFormat.PNG.mediaType()).isEqualTo("image/png");
        assertThat(ImageFormat.JPEG.formatName()).isEqualTo("jpeg");
        assertThat(ImageFormat.JPEG.mediaType()).isEqualTo("image/jpeg");
    }
}
