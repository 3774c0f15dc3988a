package dev.pastiche.image;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of image intake (Jazzer). Without {@code JAZZER_FUZZ} this runs the seed
 * corpus in {@code ImageDecoderFuzzTestsInputs/} (the image fixtures) as a plain regression test;
 * with {@code JAZZER_FUZZ=1} it fuzzes for {@code maxDuration} (the {@code fuzz} profile, on in CI).
 * Any byte string must either decode to an image within the pixel limit or be refused with an
 * {@link ImageRejectedException}: anything else (another exception, an error, a hang) is a finding.
 */
class ImageDecoderFuzzTests {

    /** Small, so that a mutated header can never make a fuzzing run allocate much. */
    private static final long MAX_PIXELS = 512 * 512;
    private static final ImageDecoder DECODER = new ImageDecoder(new ImageProperties(MAX_PIXELS));

    @FuzzTest(maxDuration = "20s")
    void decodesOrRefusesEveryInput(byte[] input) {
        try {
            RgbImage image = DECODER.decode(input, "image");
            assertThat(image.width()).isPositive();
            assertThat(image.height()).isPositive();
            assertThat((long) image.width() * image.height()).isLessThanOrEqualTo(MAX_PIXELS);
            assertThat(image.pixels()).hasSize(image.width() * image.height());
        } catch (ImageRejectedException e) {
            assertThat(e.getMessage()).startsWith("image");
        }
    }
}
