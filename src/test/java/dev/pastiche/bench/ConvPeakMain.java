package dev.pastiche.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The machine's conv peak as DJL reaches it, in a fresh JVM: {@code RUNS} → one JSON line with the
 * median ms and GFLOP/s of a 3×3 convolution, 256 → 256 channels on a 128×128 map (batch 1,
 * padding 1: the shape of VGG's block3 layers), the same as scripts/reference/bench_conv.py.
 */
public final class ConvPeakMain {

    static final int CHANNELS = 256;
    static final int SIDE = 128;
    static final double GFLOP = 2.0 * 9 * CHANNELS * CHANNELS * SIDE * SIDE / 1e9;

    private ConvPeakMain() {
    }

    public static void main(String[] args) {
        int runs = Integer.parseInt(args[0]);
        List<Double> ms = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.randomUniform(0, 1, new Shape(1, CHANNELS, SIDE, SIDE));
            NDArray w = manager.randomNormal(0, 0.01f, new Shape(CHANNELS, CHANNELS, 3, 3), x.getDataType());
            NDArray b = manager.zeros(new Shape(CHANNELS));
            for (int run = 0; run < runs + 3; run++) {
                try (NDManager scope = manager.newSubManager()) {
                    long start = System.nanoTime();
                    NDArray y = Conv2d.conv2d(x, w, b, new Shape(1, 1), new Shape(1, 1)).singletonOrThrow();
                    y.attach(scope); // closed with the scope, not returned to the base manager
                    y.sum().getFloat();
                    if (run >= 3) {
                        ms.add((System.nanoTime() - start) / 1e6);
                    }
                }
            }
        }
        ms.sort(Double::compare);
        double median = ms.get(ms.size() / 2);
        System.out.printf(Locale.ROOT, "{\"msPerConv\": %.2f, \"gflops\": %.1f}%n", median, GFLOP / (median / 1000));
    }
}
