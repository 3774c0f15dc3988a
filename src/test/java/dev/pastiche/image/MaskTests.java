package dev.pastiche.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** Style masks as uploaded (grey or alpha) and as each layer sees them (area averages, as PyTorch's adaptive pooling). */
class MaskTests {

    private final ImageDecoder decoder = new ImageDecoder(new ImageProperties(1 << 20));

    @Test
    void aGreyImageIsItsGreyLevels() throws IOException {
        BufferedImage grey = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSamples(0, 0, 3, 1, 0, new int[] {0, 128, 255});

        Mask mask = decoder.decodeMask(png(grey), "mask[0]");

        assertThat(mask.values()).containsExactly(0f, 128 / 255f, 1f);
    }

    @Test
    void anImageWithTransparencyIsItsAlphaWhateverItsColours() throws IOException {
        BufferedImage painted = new BufferedImage(3, 1, BufferedImage.TYPE_INT_ARGB);
        painted.setRGB(0, 0, 0x00ffffff);
        painted.setRGB(1, 0, 0x80000000);
        painted.setRGB(2, 0, 0xffff0000);

        Mask mask = decoder.decodeMask(png(painted), "mask[0]");

        assertThat(mask.values()).containsExactly(0f, 128 / 255f, 1f);
    }

    @Test
    void anOpaqueColourImageIsItsLuma() throws IOException {
        BufferedImage opaque = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        opaque.setRGB(0, 0, 0xffffffff);
        opaque.setRGB(1, 0, 0xff00ff00);

        Mask mask = decoder.decodeMask(png(opaque), "mask[0]");

        assertThat(mask.values()[0]).isEqualTo(1f, within(1e-6f));
        assertThat(mask.values()[1]).isEqualTo(0.587f, within(1e-6f));
    }

    /** As torch.nn.functional.adaptive_avg_pool2d(torch.arange(5.).view(1, 1, 1, 5), (1, 2)), which gives [[1., 3.]]. */
    @Test
    void areaResizingAveragesOverlappingWindowsAsAdaptivePoolingDoes() {
        Mask row = new Mask(5, 1, new float[] {0, 1, 2, 3, 4});

        // windows [⌊0·5/2⌋, ⌈1·5/2⌉) = [0, 3) and [⌊1·5/2⌋, ⌈2·5/2⌉) = [2, 5): the middle pixel counts in both
        assertThat(row.areaResized(2, 1).values()).containsExactly(1f, 3f);
        // a mask's share per block survives exact halving
        Mask block = new Mask(4, 2, new float[] {1, 1, 0, 0, 1, 0, 0, 0});
        assertThat(block.areaResized(2, 1).values()).containsExactly(0.75f, 0f);
    }

    @Test
    void anAllBlackMaskSelectsNothing() {
        assertThat(new Mask(2, 2, new float[4]).max()).isZero();
        assertThat(Mask.full(2, 2).max()).isEqualTo(1f);
    }

    private static byte[] png(BufferedImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }
}
