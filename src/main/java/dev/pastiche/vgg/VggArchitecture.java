package dev.pastiche.vgg;

import dev.pastiche.vgg.VggVariant.FeatureLayer;
import java.util.ArrayList;
import java.util.List;

/**
 * The architecture table of a VGG for a given input size: every layer with its output shape,
 * receptive field and parameter count, computed from the configuration alone (no weights).
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
            Integer receptiveField, long parameters) {
    }

    public record Totals(long parameters, long convParameters, long fcParameters) {
    }

    public record Table(VggVariant variant, int channels, int height, int width, List<Layer> layers, Totals totals) {
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
            Integer kernel = null;
            Integer stride = null;
            Integer padding = null;
            switch (l.kind()) {
                case CONV -> {
                    kernel = 3;
                    stride = 1;
                    padding = 1;
                    params = (long) l.outChannels() * l.inChannels() * 9 + l.outChannels();
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
                    List.of(l.outChannels(), h, w), r, params));
        }
        int flat = variant.featureLayers().get(variant.featureLayers().size() - 1).outChannels() * POOLED_SIZE * POOLED_SIZE;
        layers.add(new Layer("flatten", LayerKind.FLATTEN, null, null, null, null, null, List.of(flat), null, 0));
        long fc = 0;
        int in = flat;
        int[] widths = {HIDDEN, HIDDEN, CLASSES};
        int index = 0;
        for (int fcNumber = 1; fcNumber <= FC_LAYERS; fcNumber++) {
            int out = widths[fcNumber - 1];
            long params = (long) in * out + out;
            fc += params;
            layers.add(new Layer("fc" + fcNumber, LayerKind.LINEAR, "classifier." + index, index, null, null, null, List.of(out), null, params));
            index++;
            if (fcNumber < FC_LAYERS) {
                layers.add(new Layer("fc" + fcNumber + "_relu", LayerKind.RELU, "classifier." + index, index, null, null, null, List.of(out), null, 0));
                index++;
                layers.add(new Layer("fc" + fcNumber + "_dropout", LayerKind.DROPOUT, "classifier." + index, index, null, null, null, List.of(out), null, 0));
                index++;
            }
            in = out;
        }
        return new Table(variant, 3, height, width, List.copyOf(layers), new Totals(conv + fc, conv, fc));
    }
}
