package dev.pastiche.transfer;

import dev.pastiche.perception.PerceptionModel;
import dev.pastiche.testing.ProcessMemory;
import dev.pastiche.testing.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The Java side of the transfer benchmark, run in a fresh JVM so that its peak RSS is its own:
 * {@code SIZE STEPS} → one JSON line with the median ms per Adam step and VmHWM.
 */
public final class TransferBenchMain {

    private TransferBenchMain() {
    }

    public static void main(String[] args) throws Exception {
        int size = Integer.parseInt(args[0]);
        int steps = Integer.parseInt(args[1]);
        Path dir = Files.createTempDirectory("pastiche-bench");
        try (PerceptionModel model = TransferFixtures.randomModel(dir)) {
            StyleTransferEngine engine = TransferFixtures.engine(model);
            List<Long> stamps = new ArrayList<>();
            TransferListener clock = new TransferListener() {
                @Override
                public void progress(TransferProgress progress) {
                    stamps.add(System.nanoTime());
                }
            };
            TransferOptions options = OptionsBuilder.options().with("size", size).with("iterations", steps + 4).with("optimizer", OptimizerType.ADAM)
                    .with("seed", 1).with("previewEvery", Integer.MAX_VALUE).build();
            engine.run(TransferFixtures.request(engine, TestImages.noise(size, size, 1), List.of(TestImages.noise(size, size, 2)), options), clock, () -> false);
            List<Double> ms = new ArrayList<>();
            // intervals between evaluations after three warm-up steps
            for (int i = 4; i < stamps.size(); i++) {
                ms.add((stamps.get(i) - stamps.get(i - 1)) / 1e6);
            }
            ms.sort(Double::compare);
            System.out.printf("{\"size\": %d, \"msPerStep\": %.1f, \"peakRssMb\": %.0f}%n", size, ms.get(ms.size() / 2), ProcessMemory.peakRss() / 1048576.0);
        }
    }
}
