package dev.pastiche.vgg;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The eight torchvision VGG models: configurations A, B, D and E of Simonyan &amp; Zisserman,
 * "Very Deep Convolutional Networks for Large-Scale Image Recognition" (2014), Table 1, each with
 * and without batch normalisation after every convolution.
 */
public enum VggVariant {

    VGG11(Config.A, false),
    VGG13(Config.B, false),
    VGG16(Config.D, false),
    VGG19(Config.E, false),
    VGG11_BN(Config.A, true),
    VGG13_BN(Config.B, true),
    VGG16_BN(Config.D, true),
    VGG19_BN(Config.E, true);

    /** The paper's table; {@code 0} stands for a 2×2 max pool ("M" in torchvision's cfgs). */
    private enum Config {
        A(64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0),
        B(64, 64, 0, 128, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0),
        D(64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0),
        E(64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0, 512, 512, 512, 512, 0);

        private final int[] entries;

        Config(int... entries) {
            this.entries = entries;
        }
    }

    private final Config config;
    private final boolean batchNorm;
    private final List<FeatureLayer> featureLayers;

    VggVariant(Config config, boolean batchNorm) {
        this.config = config;
        this.batchNorm = batchNorm;
        this.featureLayers = Collections.unmodifiableList(buildFeatureLayers(config.entries, batchNorm));
    }

    /** The torchvision name, e.g. {@code vgg19_bn}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean batchNorm() {
        return batchNorm;
    }

    public int convLayers() {
        return (int) Arrays.stream(config.entries).filter(c -> c > 0).count();
    }

    public int fcLayers() {
        return VggArchitecture.FC_LAYERS;
    }

    /** The layers of torchvision's {@code features} sequential, in order; the list index is the torchvision index. */
    public List<FeatureLayer> featureLayers() {
        return featureLayers;
    }

    /** Tap names ({@code blockB_convC}) in network order. */
    public List<String> tapNames() {
        return featureLayers.stream().filter(l -> l.tap() != null).map(FeatureLayer::tap).toList();
    }

    /**
     * The torchvision index whose output is the named tap: the ReLU after the convolution, since
     * taps are post-activation (API.md).
     */
    public int tapIndex(String tap) {
        for (FeatureLayer layer : featureLayers) {
            if (tap.equals(layer.tap())) {
                return layer.index();
            }
        }
        throw new UnknownLayerException(this, tap);
    }

    /**
     * The smallest height and width that leave the tap at least one pixel: each 2×2 pool before it
     * floors the size by half, so it is 2 to the number of those pools.
     */
    public int minInputSide(String tap) {
        int index = tapIndex(tap);
        long pools = featureLayers.stream().filter(l -> l.index() < index && l.kind() == LayerKind.MAXPOOL).count();
        return 1 << pools;
    }

    public static Optional<VggVariant> find(String id) {
        return Arrays.stream(values()).filter(v -> v.id().equals(id)).findFirst();
    }

    public static VggVariant of(String id) {
        return find(id).orElseThrow(() -> new IllegalArgumentException(
                "unknown VGG variant '" + id + "'; use one of " + Arrays.stream(values()).map(VggVariant::id).toList()));
    }

    private static List<FeatureLayer> buildFeatureLayers(int[] entries, boolean batchNorm) {
        List<FeatureLayer> layers = new ArrayList<>();
        int block = 1;
        int conv = 0;
        int channels = 3;
        for (int entry : entries) {
            if (entry == 0) {
                layers.add(new FeatureLayer(layers.size(), LayerKind.MAXPOOL, "block" + block + "_pool", null, channels, channels));
                block++;
                conv = 0;
                continue;
            }
            conv++;
            String prefix = "block" + block + "_";
            layers.add(new FeatureLayer(layers.size(), LayerKind.CONV, prefix + "conv" + conv, null, channels, entry));
            if (batchNorm) {
                layers.add(new FeatureLayer(layers.size(), LayerKind.BATCHNORM, prefix + "bn" + conv, null, entry, entry));
            }
            layers.add(new FeatureLayer(layers.size(), LayerKind.RELU, prefix + "relu" + conv, prefix + "conv" + conv, entry, entry));
            channels = entry;
        }
        return layers;
    }

    /**
     * One entry of torchvision's {@code features}.
     *
     * @param tap the tap name this layer's output carries ({@code blockB_convC} on the ReLU), or null
     */
    public record FeatureLayer(int index, LayerKind kind, String name, String tap, int inChannels, int outChannels) {

        public String torchvisionName() {
            return "features." + index;
        }
    }
}
