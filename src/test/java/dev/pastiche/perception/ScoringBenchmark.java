package dev.pastiche.perception;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.pastiche.image.RgbImage;
import dev.pastiche.testing.TestImages;
import dev.pastiche.vgg.Vgg;
import dev.pastiche.vgg.VggArchitecture;
import dev.pastiche.vgg.VggVariant;
import dev.pastiche.vgg.weights.ReferenceWeights;
import dev.pastiche.vgg.weights.WeightsSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Benchmarks, not tests: {@code ./mvnw -Pbench test}. Prints scoring throughput at 224² and 512²
 * (with the achieved conv GFLOP/s) and the time from process start to ready with weights of
 * pretrained VGG19 size.
 */
@Tag("benchmark")
class ScoringBenchmark {

    private static final List<String> STYLE = List.of("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1");

    @TempDir
    Path dir;

    @Test
    void scoringThroughput() {
        ModelProperties properties = new ModelProperties(VggVariant.VGG19, "block4_conv2", STYLE, 1);
        try (PerceptionModel model = new PerceptionModel(properties,
                ReferenceWeights.properties(WeightsSource.RANDOM, null, false, dir, null), new SimpleMeterRegistry())) {
            PerceptualScorer scorer = new PerceptualScorer(model, properties, new SimpleMeterRegistry());
            System.out.println("\n| size | operation | median ms | images/s | GFLOP per image | GFLOP/s |");
            System.out.println("|---|---|---|---|---|---|");
            for (int size : new int[] {224, 512}) {
                RgbImage a = TestImages.noise(size, size, 1);
                RgbImage b = TestImages.noise(size, size, 2);
                double gflop = convGflop(size, "block5_conv1");
                int runs = size == 224 ? 20 : 10;
                double forward = median(runs, () -> {
                    FeatureExtractor extractor = model.extractor();
                    try (NDManager scope = extractor.newScope()) {
                        Map<String, NDArray> taps = extractor.taps(ImageTensors.batch(scope, a), STYLE);
                        taps.get("block5_conv1").sum().getFloat();
                    }
                });
                print(size, "forward to block5_conv1, 1 image", forward, 1, gflop);
                double distance = median(runs, () -> scorer.distance(a, b, EnumSet.allOf(Metric.class)));
                print(size, "perceptual distance, 2 images", distance, 2, gflop);
            }
        }
    }

    @Test
    void startToReadyWithPretrainedSizeWeights() throws Exception {
        // every tensor of torchvision's vgg19 state dict: features by formula, classifier as zeros (548 MB in all)
        Vgg vgg = new Vgg(VggVariant.VGG19);
        Map<String, Shape> shapes = new LinkedHashMap<>(vgg.features().torchvisionShapes());
        long flat = 512L * 7 * 7;
        shapes.put("classifier.0.weight", new Shape(4096, flat));
        shapes.put("classifier.0.bias", new Shape(4096));
        shapes.put("classifier.3.weight", new Shape(4096, 4096));
        shapes.put("classifier.3.bias", new Shape(4096));
        shapes.put("classifier.6.weight", new Shape(1000, 4096));
        shapes.put("classifier.6.bias", new Shape(1000));
        Path weights = ReferenceWeights.writeSafetensors(dir.resolve("vgg19.safetensors"), shapes,
                key -> key.startsWith("features.") ? ReferenceWeights.formula(key, shapes.get(key)) : null);
        System.out.printf("%nweights file: %d MB%n", Files.size(weights) >> 20);
        List<Double> times = new ArrayList<>();
        for (int run = 0; run < 3; run++) {
            times.add(startToReady(weights));
        }
        System.out.printf("process start to ready (readiness UP), VGG19 weights from safetensors: %s ms, median %.0f ms%n",
                times.stream().map(t -> String.format("%.0f", t)).toList(), times.stream().sorted().toList().get(1));
    }

    private static double startToReady(Path weights) throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"),
                "dev.pastiche.PasticheApplication", "--server.port=" + port, "--pastiche.weights.path=" + weights)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health/readiness")).build();
        long start = System.nanoTime();
        Process process = builder.start();
        try {
            while (process.isAlive()) {
                try {
                    if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                        return (System.nanoTime() - start) / 1e6;
                    }
                } catch (IOException notYet) {
                    // not listening yet
                }
                Thread.sleep(25);
            }
            throw new IllegalStateException("the service exited with " + process.exitValue());
        } finally {
            process.destroy();
            process.waitFor();
        }
    }

    /** Multiply-adds ×2 of every convolution up to the tap, from the architecture table. */
    static double convGflop(int size, String tap) {
        VggArchitecture.Table table = VggArchitecture.of(VggVariant.VGG19, size, size);
        double flop = 0;
        int in = 3;
        for (VggArchitecture.Layer layer : table.layers()) {
            if (layer.kind() == dev.pastiche.vgg.LayerKind.CONV) {
                int out = layer.outputShape().get(0);
                flop += 2.0 * 9 * in * out * layer.outputShape().get(1) * layer.outputShape().get(2);
                in = out;
                if (layer.name().equals(tap)) {
                    break;
                }
            }
        }
        return flop / 1e9;
    }

    private static void print(int size, String what, double ms, int images, double gflop) {
        double perSecond = images * 1000 / ms;
        System.out.printf("| %d² | %s | %.1f | %.2f | %.1f | %.0f |%n", size, what, ms, perSecond, gflop, perSecond * gflop);
    }

    private static double median(int runs, Runnable work) {
        for (int i = 0; i < 3; i++) {
            work.run();
        }
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            work.run();
            ms[i] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(ms);
        return ms[runs / 2];
    }
}
