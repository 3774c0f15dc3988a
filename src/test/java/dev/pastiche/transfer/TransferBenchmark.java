package dev.pastiche.transfer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Benchmark, not a test ({@code ./mvnw -Pbench test -Dtest=TransferBenchmark}): ms per Gatys step
 * (Adam) and peak RSS at 256² and 512², Pastiche beside the PyTorch reference script
 * (scripts/reference/bench_transfer.py, Debian's python3-torch) at the same thread count, each in
 * its own fresh process.
 */
@Tag("benchmark")
class TransferBenchmark {

    private static final int STEPS = 10;
    private static final Path PYTHON = Path.of("/usr/bin/python3");

    @Test
    void stepTimeAndPeakMemoryBesidePyTorch() throws Exception {
        int threads = Runtime.getRuntime().availableProcessors();
        List<String> rows = new ArrayList<>();
        for (int size : new int[] {256, 512}) {
            JsonNode djl = run(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Dai.djl.offline=true",
                    "-cp", System.getProperty("java.class.path"), TransferBenchMain.class.getName(), "" + size, "" + STEPS));
            JsonNode torch = Files.isExecutable(PYTHON)
                    ? run(List.of(PYTHON.toString(), "scripts/reference/bench_transfer.py", "" + size, "" + STEPS, "" + threads))
                    : null;
            rows.add(String.format("| %d² | %.0f | %s | %s | %.0f | %s |", size, djl.get("msPerStep").asDouble(),
                    torch == null ? "n/a" : String.format("%.0f", torch.get("msPerStep").asDouble()),
                    torch == null ? "n/a" : String.format("%.2f", djl.get("msPerStep").asDouble() / torch.get("msPerStep").asDouble()),
                    djl.get("peakRssMb").asDouble(),
                    torch == null ? "n/a" : String.format("%.0f", torch.get("peakRssMb").asDouble())));
        }
        System.out.printf("%nGatys step (Adam), median of %d after 3 warm-up, %d threads%n", STEPS, threads);
        System.out.println("| size | Pastiche ms/step | PyTorch ms/step | ratio | Pastiche peak RSS MB | PyTorch peak RSS MB |");
        System.out.println("|---|---|---|---|---|---|");
        rows.forEach(System.out::println);
    }

    private static JsonNode run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String json = null;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                if (line.startsWith("{")) {
                    json = line;
                }
            }
        }
        if (process.waitFor() != 0 || json == null) {
            throw new IllegalStateException(command + " failed with exit code " + process.exitValue());
        }
        return JsonMapper.shared().readTree(json);
    }
}
