package dev.pastiche.transfer;

import dev.pastiche.image.Mask;
import dev.pastiche.image.RgbImage;
import dev.pastiche.perception.PerceptionModel;
import dev.pastiche.testing.ProcessMemory;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.util.FileSystemUtils;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * One style transfer's measured peak native memory beside {@link MemoryEstimate}'s, in a JVM of its
 * own (the child process of {@link MemoryEstimateTests}): {@code STYLES WIDTH HEIGHT OPTIONS_JSON}.
 * A 64 px run with the same options first loads every kernel, class and thread the run will use
 * (then it prints {@value #WARM}). Once the allocator has returned what the model's loading and the
 * warm-up freed, it prints {@value #SETTLED} and waits for a line on its input, so that the caller
 * can keep other processes off the CPU during the run; then it resets the high-water mark
 * ({@code clear_refs}), runs, and prints one JSON line: the run's peak is VmHWM less the RSS before
 * it.
 */
public final class PeakMemoryMain {

    static final String WARM = "peak-memory: warm";
    static final String SETTLED = "peak-memory: settled";
    /** jemalloc returns freed pages over its dirty decay time, 10 s by default (the service's setting). */
    private static final long DECAY_MILLIS = 10_000;
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

    private PeakMemoryMain() {
    }

    public static void main(String[] args) throws Exception {
        int styleCount = Integer.parseInt(args[0]);
        int width = Integer.parseInt(args[1]);
        int height = Integer.parseInt(args[2]);
        Map<String, Object> values = JsonMapper.shared().readValue(args[3], new TypeReference<Map<String, Object>>() {
        });
        // not an option: the run gets one mask per style, each a band of the content
        boolean masked = Boolean.TRUE.equals(values.remove("masks"));
        Path dir = Files.createTempDirectory("pastiche-peak");
        try (PerceptionModel model = TransferFixtures.randomModel(dir)) {
            StyleTransferEngine engine = TransferFixtures.engine(model);
            TransferRequest run = request(engine, options(values), styleCount, masked, width, height);
            OptionsBuilder warmUp = options(values).with("size", 64).with("minSize", 32).with("iterations", 2).with("initialIterations", 1);
            try {
                engine.run(request(engine, warmUp, styleCount, masked, 64, 64), TransferListener.NONE, () -> false);
            } catch (TransferDivergedException e) {
                // W2 at a small size may diverge (StyleTransferEngine): the kernels are loaded all the same
            }
            System.out.println(WARM);

            // direct buffers the garbage collector frees go back to the allocator now, at the start of the decay
            System.gc();
            Thread.sleep(DECAY_MILLIS);
            long before = settledRss();
            System.out.println(SETTLED);
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();

            Files.writeString(CLEAR_REFS, "5");
            long start = System.nanoTime();
            engine.run(run, TransferListener.NONE, () -> false);
            long peak = ProcessMemory.peakRss();
            double seconds = (System.nanoTime() - start) / 1e9;
            long estimate = MemoryEstimate.peakBytes(model, run.options(), run.masks().size(), width, height);
            System.out.printf(Locale.ROOT, "{\"estimate\": %d, \"measured\": %d, \"before\": %d, \"seconds\": %.1f}%n", estimate, peak - before,
                    before, seconds);
        } finally {
            FileSystemUtils.deleteRecursively(dir);
        }
    }

    private static TransferRequest request(StyleTransferEngine engine, OptionsBuilder options, int styleCount, boolean masked, int width,
            int height) {
        // square styles: the estimate counts the style pass at a square of the style side, the largest it can be
        List<RgbImage> styles = new ArrayList<>();
        List<Mask> masks = new ArrayList<>();
        for (int s = 0; s < styleCount && masked; s++) {
            float[] values = new float[width * height];
            for (int i = 0; i < values.length; i++) {
                values[i] = (i % width) * styleCount / width == s ? 1 : 0;
            }
            masks.add(new Mask(width, height, values));
        }
        for (int s = 0; s < styleCount; s++) {
            styles.add(TransferFixtures.picture(64, 64, 2 + s));
        }
        return TransferFixtures.request(engine, TransferFixtures.picture(width, height, 1), styles, masks,
                options.with("seed", 1).with("previewEvery", Integer.MAX_VALUE).build());
    }

    private static OptionsBuilder options(Map<String, Object> values) {
        OptionsBuilder options = OptionsBuilder.options();
        values.forEach(options::with);
        return options;
    }

    /** RSS once it has stopped falling for two seconds. */
    private static long settledRss() throws InterruptedException {
        List<Long> samples = new ArrayList<>();
        samples.add(ProcessMemory.rss());
        for (int i = 0; i < 80; i++) {
            Thread.sleep(250);
            samples.add(ProcessMemory.rss());
            if (samples.size() > 8 && samples.get(samples.size() - 9) - samples.get(samples.size() - 1) < (1L << 20)) {
                break;
            }
        }
        return samples.get(samples.size() - 1);
    }
}
