package dev.pastiche.bench;

import dev.pastiche.vgg.VggFeatures;
import dev.pastiche.vgg.VggVariant;
import dev.pastiche.vgg.weights.ReferenceWeights;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * {@code DIR}: writes LPIPS's two files as the parity fixture has them (VGG16 with seeded weights,
 * torchvision keys; the seeded linear layers), for timing {@code lpips} where no pretrained files
 * can be downloaded. The numbers are meaningless; the time is the real network's.
 */
public final class LpipsFilesMain {

    private LpipsFilesMain() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createDirectories(Path.of(args[0]));
        ReferenceWeights.writeSeeded(dir.resolve("vgg16-seeded.safetensors"),
                VggFeatures.upTo(VggVariant.VGG16, "block5_conv3").torchvisionShapes(), 7);
        try (InputStream in = LpipsFilesMain.class.getResourceAsStream("/reference/lpips-lin.npz")) {
            Files.copy(in, dir.resolve("lpips-lin.npz"), StandardCopyOption.REPLACE_EXISTING);
        }
        System.out.println(dir.resolve("vgg16-seeded.safetensors") + " " + dir.resolve("lpips-lin.npz"));
    }
}
