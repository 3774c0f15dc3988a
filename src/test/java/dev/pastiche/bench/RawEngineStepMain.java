package dev.pastiche.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.GradientCollector;
import dev.pastiche.testing.ProcessMemory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The anchor for the service's engine overhead (ARCHITECTURE.md, "Measured facts"): Pastiche's Adam
 * step written as a plain DJL program, libtorch 2.7.1 driven directly with nothing of the service
 * around it. It uses DJL's API only, none of Pastiche's classes (no extractor, objective, engine,
 * scopes of a job or progress), so that the service's step divided by this one is what the service
 * adds to the same kernels. Run in a fresh JVM: {@code SIZE STEPS} → one JSON line with the median
 * ms per step (the same intervals as TransferBenchMain's: after a first step and three warm-up
 * steps) and VmHWM.
 *
 * <p>The objective is the service's default one (API.md): VGG19 (torchvision's layer configuration)
 * up to block5_conv1 with seeded He-normal weights (their values do not matter for speed), the
 * [0, 1] image normalised by ImageNet's mean and std inside the graph, content MSE at block4_conv2,
 * Gram style MSE ({@code G = F·Fᵀ/(C·H·W)}) at block1..5_conv1, total variation, weighted 1, 1e6 and
 * 0; the gradient of the total flows to the image only. Then {@code torch.optim.Adam}'s update
 * (lr 0.02, β 0.9/0.999, ε after the bias-corrected square root) and a clamp to [0, 1]. Every array
 * of a step lives in that step's sub-manager, and nothing is read back to the host: on the CPU
 * libtorch's eager ops have finished when they return, so the clock alone times a step.
 */
public final class RawEngineStepMain {

    /** torchvision's VGG19 ("E") up to block5_conv1: each conv's output channels, 0 for a 2×2 max pool. */
    private static final int[] LAYERS = {64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0, 512};
    private static final String CONTENT_LAYER = "block4_conv2";
    private static final List<String> STYLE_LAYERS = List.of("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1",
            "block5_conv1");
    private static final float CONTENT_WEIGHT = 1;
    private static final float STYLE_WEIGHT = 1e6f;
    private static final float TV_WEIGHT = 0;
    private static final float LEARNING_RATE = 0.02f;
    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.999;
    private static final float EPSILON = 1e-8f;
    private static final int WARM_UP = 3;

    private final List<NDArray> weights = new ArrayList<>();
    private final List<NDArray> biases = new ArrayList<>();
    private final NDArray mean;
    private final NDArray std;
    private NDArray contentTarget;
    private final List<NDArray> gramTargets = new ArrayList<>();

    private RawEngineStepMain(NDManager manager) {
        int in = 3;
        for (int out : LAYERS) {
            if (out > 0) {
                // He et al. 2015: std √(2 / fan-in); created without gradients, so the backward never computes theirs
                float deviation = (float) Math.sqrt(2.0 / (in * 9));
                weights.add(manager.randomNormal(0, deviation, new Shape(out, in, 3, 3), DataType.FLOAT32));
                biases.add(manager.zeros(new Shape(out)));
                in = out;
            }
        }
        mean = manager.create(new float[] {0.485f, 0.456f, 0.406f}, new Shape(1, 3, 1, 1));
        std = manager.create(new float[] {0.229f, 0.224f, 0.225f}, new Shape(1, 3, 1, 1));
    }

    public static void main(String[] args) {
        int size = Integer.parseInt(args[0]);
        int steps = Integer.parseInt(args[1]);
        Engine.getEngine("PyTorch").setRandomSeed(1);
        List<Long> stamps = new ArrayList<>();
        try (NDManager base = NDManager.newBaseManager()) {
            RawEngineStepMain program = new RawEngineStepMain(base);
            Shape shape = new Shape(1, 3, size, size);
            NDArray content = base.randomUniform(0, 1, shape);
            NDArray style = base.randomUniform(0, 1, shape);
            program.targets(base, content, style);
            // the service starts from the content image (API.md's default init)
            NDArray x = content;
            NDArray m = base.zeros(shape);
            NDArray v = base.zeros(shape);
            for (int t = 1; t <= steps + 1 + WARM_UP; t++) {
                try (NDManager step = base.newSubManager()) {
                    // every temporary made from these lands in the step's scope (ARCHITECTURE.md: else RSS grows)
                    x.tempAttach(step);
                    m.tempAttach(step);
                    v.tempAttach(step);
                    try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                        x.setRequiresGradient(true);
                        collector.backward(program.total(x));
                    }
                    NDArray g = x.getGradient();
                    m.muli((float) BETA1).addi(g.mul((float) (1 - BETA1)));
                    v.muli((float) BETA2).addi(g.square().muli((float) (1 - BETA2)));
                    NDArray denominator = v.sqrt().divi((float) Math.sqrt(1 - Math.pow(BETA2, t))).addi(EPSILON);
                    NDArray next = x.sub(m.div(denominator).muli((float) (LEARNING_RATE / (1 - Math.pow(BETA1, t))))).clip(0, 1);
                    next.attach(base);
                    x.close();
                    x = next;
                }
                stamps.add(System.nanoTime());
            }
        }
        List<Double> ms = new ArrayList<>();
        // intervals between steps after the first step and the warm-up steps
        for (int i = 1 + WARM_UP; i < stamps.size(); i++) {
            ms.add((stamps.get(i) - stamps.get(i - 1)) / 1e6);
        }
        ms.sort(Double::compare);
        System.out.printf(Locale.ROOT, "{\"size\": %d, \"msPerStep\": %.1f, \"peakRssMb\": %.0f}%n", size, ms.get(ms.size() / 2),
                ProcessMemory.peakRss() / 1048576.0);
    }

    /** The content tap of the content image and the Gram matrices of the style image's taps, kept in {@code base}. */
    private void targets(NDManager base, NDArray content, NDArray style) {
        try (NDManager scratch = base.newSubManager()) {
            // the first operand owns a result: the taps land in the scratch scope and die with it
            content.tempAttach(scratch);
            style.tempAttach(scratch);
            contentTarget = taps(content).get(CONTENT_LAYER);
            contentTarget.attach(base);
            Map<String, NDArray> styleTaps = taps(style);
            for (String layer : STYLE_LAYERS) {
                NDArray gram = gram(styleTaps.get(layer));
                gram.attach(base);
                gramTargets.add(gram);
            }
        }
    }

    /** The weighted total at {@code x}, in the graph. */
    private NDArray total(NDArray x) {
        Map<String, NDArray> taps = taps(x);
        NDArray content = mse(taps.get(CONTENT_LAYER), contentTarget);
        NDArray style = null;
        for (int l = 0; l < STYLE_LAYERS.size(); l++) {
            NDArray term = mse(gram(taps.get(STYLE_LAYERS.get(l))), gramTargets.get(l));
            style = style == null ? term : style.add(term);
        }
        NDArray vertical = x.get(":, :, 1:, :").sub(x.get(":, :, :-1, :")).square().mean();
        NDArray horizontal = x.get(":, :, :, 1:").sub(x.get(":, :, :, :-1")).square().mean();
        NDArray tv = vertical.add(horizontal);
        return content.mul(CONTENT_WEIGHT).add(style.mul(STYLE_WEIGHT)).add(tv.mul(TV_WEIGHT));
    }

    /**
     * One forward pass to block5_conv1 returning the post-ReLU taps by name; every other activation is
     * closed once the next layer has read it, as Python's reference counting would free it (autograd
     * keeps what the backward needs).
     */
    private Map<String, NDArray> taps(NDArray image) {
        Map<String, NDArray> taps = new LinkedHashMap<>();
        NDArray x = image.sub(mean).div(std);
        int block = 1;
        int conv = 0;
        int c = 0;
        // the normalised input and untapped activations are closed once read; taps belong to the caller
        boolean keep = false;
        for (int out : LAYERS) {
            NDArray y;
            String name = null;
            if (out == 0) {
                y = Pool.maxPool2d(x, new Shape(2, 2), new Shape(2, 2), new Shape(0, 0), false);
                block++;
                conv = 0;
            } else {
                NDArray z = Conv2d.conv2d(x, weights.get(c), biases.get(c), new Shape(1, 1), new Shape(1, 1)).singletonOrThrow();
                y = Activation.relu(z);
                z.close();
                c++;
                conv++;
                name = "block" + block + "_conv" + conv;
            }
            if (!keep) {
                x.close();
            }
            keep = name != null && (name.equals(CONTENT_LAYER) || STYLE_LAYERS.contains(name));
            if (keep) {
                taps.put(name, y);
            }
            x = y;
        }
        return taps;
    }

    /** {@code F·Fᵀ / (C·H·W)} of a (1, C, H, W) tap. */
    private static NDArray gram(NDArray tap) {
        long channels = tap.getShape().get(1);
        long pixels = tap.getShape().get(2) * tap.getShape().get(3);
        NDArray f = tap.reshape(channels, pixels);
        return f.matMul(f.transpose()).div((float) (channels * pixels));
    }

    private static NDArray mse(NDArray a, NDArray b) {
        return a.sub(b).square().mean();
    }
}
