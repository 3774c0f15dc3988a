package dev.pastiche.vgg;

import dev.pastiche.vgg.VggVariant.FeatureLayer;
import java.util.ArrayList;
import java.util.List;

/**
 * The architecture table of a VGG for a given input size: every layer with its output shape,
 * receptive field, parameter count and FLOPs, each block's share of them, and the paper's case for
 * stacking 3×3 convolutions, computed from the configuration alone (no weights).
 *
 * <p>FLOPs count a multiply-add as two, over the convolutions ({@code 2·k²·Cin·Cout·H·W}) and the
 * linear layers ({@code 2·in·out}), for one image; biases, ReLUs and pools are left out (under
 * 0.1 % together). torchvision's model table lists VGG19 at 19.63 "GFLOPS", which are multiply-adds:
 * 39.3 G here.
 */
public final class VggArchitecture {

    static final int FC_LAYERS = 3;
    /** torchvision's {@code AdaptiveAvgPool2d((7, 7))} makes the classifier input 512·7·7 at any input size. */
    static final int POOLED_SIZE = 7;
    static final int HIDDEN = 4096;
    public static final int CLASSES = 1000;
    /** Five 2×2 pools: smaller inputs leave block5_pool with no pixels. */
    public static final int MIN_INPUT = 32;

    private VggArchitecture() {
    }

    /** A table row; {@code torchvisionIndex}, {@code kernel}, {@code stride}, {@code padding} and {@code receptiveField} are null where they do not apply. */
    public record Layer(String name, LayerKind kind, String torchvisionName, Integer torchvisionIndex,
            Integer kernel, Integer stride, Integer padding, List<Integer> outputShape,
            Integer receptiveField, long parameters, long flops) {
    }

    public record Totals(long parameters, long convParameters, long fcParameters) {
    }

    /**
     * A block ({@code block1} … {@code block5}, then {@code classifier}) and its share of the whole network.
     *
     * @param parameterShare of all parameters, classifier included
     * @param flopShare of all FLOPs for this input
     */
    public record Block(String name, List<String> layers, long parameters, double parameterShare, long flops, double flopShare) {
    }

    public record Table(VggVariant variant, int channels, int height, int width, List<Layer> layers, Totals totals,
            List<Block> blocks, long flops) {
    }

    /**
     * n stacked 3×3 convolutions against one convolution with the same receptive field, (2n+1)×(2n+1),
     * both from C to C channels (Simonyan &amp; Zisserman, §2.3: three 3×3 layers have 27C² weights, one
     * 7×7 layer 49C², and three non-linearities instead of one). Weights only, biases aside.
     *
     * @param parameterRatio the stack's weights over the single convolution's
     */
    public record Stacking(int convs, int receptiveField, long stackedParameters, int stackedRelus, int singleKernel,
            long singleParameters, int singleRelus, double parameterRatio) {
    }

    /** {@link Stacking} for one to {@code maxConvs} stacked 3×3 convolutions of {@code channels} channels. */
    public static List<Stacking> stacking(int channels, int maxConvs) {
        List<Stacking> rows = new ArrayList<>();
        long perKernelCell = (long) channels * channels;
        for (int n = 1; n <= maxConvs; n++) {
            int kernel = 2 * n + 1;
            long stacked = n * 9L * perKernelCell;
            long single = (long) kernel * kernel * perKernelCell;
            rows.add(new Stacking(n, kernel, stacked, n, kernel, single, 1, (double) stacked / single));
        }
        return List.copyOf(rows);
    }

    public static Table of(VggVariant variant, int height, int width) {
        if (height < MIN_INPUT || width < MIN_INPUT) {
            throw new IllegalArgumentException("height and width must be at least " + MIN_INPUT
                    + " (five 2×2 pools), got " + height + "×" + width);
        }
        List<Layer> layers = new ArrayList<>();
        int h = height;
        int w = width;
        // receptive field r and jump j, the forward recursion r += (k − 1)·j; j *= s
        int r = 1;
        int j = 1;
        long conv = 0;
        for (FeatureLayer l : variant.featureLayers()) {
            long params = 0;
            long flops = 0;
            Integer kernel = null;
            Integer stride = null;
            Integer padding = null;
            switch (l.kind()) {
                case CONV -> {
                    kernel = 3;
                    stride = 1;
                    padding = 1;
                    params = (long) l.outChannels() * l.inChannels() * 9 + l.outChannels();
                    flops = 2L * 9 * l.inChannels() * l.outChannels() * h * w;
                    r += 2 * j;
                }
                case BATCHNORM -> params = 2L * l.outChannels();
                case MAXPOOL -> {
                    kernel = 2;
                    stride = 2;
                    padding = 0;
                    r += j;
                    j *= 2;
                    h /= 2;
                    w /= 2;
                }
                default -> {
                }
            }
            conv += params;
            layers.add(new Layer(l.name(), l.kind(), l.torchvisionName(), l.index(), kernel, stride, padding,
                    List.of(l.outChannels(), h, w), r, params, flops));
        }
        int flat = variant.featureLayers().get(variant.featureLayers().size() - 1).outChannels() * POOLED_SIZE * POOLED_SIZE;
        layers.add(new Layer("flatten", LayerKind.FLATTEN, null, null, null, null, null, List.of(flat), null, 0, 0));
        long fc = 0;
        int in = flat;
        int[] widths = {HIDDEN, HIDDEN, CLASSES};
        int index = 0;
        for (int fcNumber = 1; fcNumber <= FC_LAYERS; fcNumber++) {
            int out = widths[fcNumber - 1];
            long params = (long) in * out + out;
            fc += params;
            layers.add(new Layer("fc" + fcNumber, LayerKind.LINEAR, "classifier." + index, index, null, null, null, List.of(out), null, params,
                    2L * in * out));
            index++;
            if (fcNumber < FC_LAYERS) {
                layers.add(new Layer("fc" + fcNumber + "_relu", LayerKind.RELU, "classifier." + index, index, null, null, null, List.of(out), null, 0, 0));
                index++;
                layers.add(new Layer("fc" + fcNumber + "_dropout", LayerKind.DROPOUT, "classifier." + index, index, null, null, null, List.of(out), null, 0, 0));
                index++;
            }
            in = out;
        }
        long flops = layers.stream().mapToLong(Layer::flops).sum();
        return new Table(variant, 3, height, width, List.copyOf(layers), new Totals(conv + fc, conv, fc), blocks(layers, conv + fc, flops), flops);
    }

    /** The layers grouped by block (the prefix of {@code blockB_…}; the flattening and fc layers are the classifier). */
    private static List<Block> blocks(List<Layer> layers, long parameters, long flops) {
        java.util.Map<String, List<Layer>> byBlock = new java.util.LinkedHashMap<>();
        for (Layer layer : layers) {
            String block = layer.name().startsWith("block") ? layer.name().substring(0, layer.name().indexOf('_')) : "classifier";
            byBlock.computeIfAbsent(block, b -> new ArrayList<>()).add(layer);
        }
        List<Block> blocks = new ArrayList<>();
        byBlock.forEach((name, members) -> {
            long p = members.stream().mapToLong(Layer::parameters).sum();
            long f = members.stream().mapToLong(Layer::flops).sum();
            blocks.add(new Block(name, members.stream().map(Layer::name).toList(), p, (double) p / parameters, f, (double) f / flops));
        });
        return List.copyOf(blocks);
    }
}
