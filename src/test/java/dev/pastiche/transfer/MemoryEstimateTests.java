package dev.pastiche.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@link MemoryEstimate} against measured peaks (issue 13): for every configuration the estimate
 * is at least the run's peak native memory and at most 1.5 times it. The configurations cover 1–4
 * styles, styleScale 1–3, both optimisers, two sizes, multi-scale, W2, average pooling, the
 * averaged image, style masks with per-style scales and colour-histogram matching; few iterations keep each to seconds, except one L-BFGS run long enough to fill
 * its history.
 *
 * <p>Each runs in a JVM of its own ({@link PeakMemoryMain}) on jemalloc set as the service runs it
 * (docker/Dockerfile): once the RSS has settled after a warm-up, the high-water mark over the run
 * is the run's own. The setting matters: without decay (freed pages returned at once) runs take 3–5
 * times as long and peak 10–25 % lower, and multi-scale runs peak higher when the pages a stage
 * freed stay resident into the next. glibc's malloc keeps freed blocks in its arenas
 * unpredictably, so without jemalloc the test is skipped ({@code .ci/run} installs Debian's
 * libjemalloc2).
 *
 * <p>Settling takes jemalloc's decay time, 10 s, in which the process is idle: the next
 * configuration's JVM loads and warms up meanwhile, and only the runs themselves are kept apart
 * (one process on the CPU at a time, as a measured run needs both cores).
 */
class MemoryEstimateTests {

    private static final Path JEMALLOC = Path.of("/usr/lib/x86_64-linux-gnu/libjemalloc.so.2");
    /** As docker/Dockerfile and the jemalloc profile of pom.xml set it. */
    private static final String MALLOC_CONF = "oversize_threshold:0,background_thread:true";
    private static final double MAX_RATIO = 1.5;
    private static final long TIMEOUT_MINUTES = 10;

    /** One measured run: its style images (square), the content's size and the options as a request names them. */
    private record Config(int styles, int width, int height, Map<String, Object> options) {

        String label() {
            String rest = options.entrySet().stream().filter(e -> !e.getKey().equals("optimizer") && !e.getKey().equals("size"))
                    .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
            return options.get("optimizer") + " " + width + "×" + height + ", " + styles + (styles == 1 ? " style" : " styles") + ", " + rest;
        }
    }

    private static Config config(int styles, int width, int height, Object... options) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (int i = 0; i < options.length; i += 2) {
            values.put((String) options[i], options[i + 1]);
        }
        values.put("size", Math.max(width, height));
        return new Config(styles, width, height, values);
    }

    private static final List<Config> CONFIGS = List.of(
            config(1, 128, 128, "optimizer", "adam", "iterations", 3),
            // 110 iterations fill L-BFGS's history of 100 pairs
            config(1, 128, 128, "optimizer", "lbfgs", "iterations", 110),
            config(2, 128, 128, "optimizer", "lbfgs", "iterations", 3, "styleScale", 3),
            config(4, 256, 256, "optimizer", "lbfgs", "iterations", 3, "styleScale", 2, "styleLoss", "w2"),
            config(1, 256, 256, "optimizer", "adam", "iterations", 3, "styleScale", 3),
            config(3, 256, 192, "optimizer", "adam", "iterations", 2, "styleLoss", "w2", "pooling", "avg", "averageDecay", 0.9),
            config(2, 256, 256, "optimizer", "adam", "iterations", 3, "initialIterations", 2, "scales", 3, "styleScale", 1.5),
            config(3, 256, 256, "optimizer", "lbfgs", "iterations", 2, "initialIterations", 1, "scales", 3, "styleScale", 2),
            config(3, 256, 256, "optimizer", "adam", "iterations", 3, "masks", true, "styleScales", List.of(1, 2, 0.5)),
            config(2, 256, 192, "optimizer", "lbfgs", "iterations", 3, "masks", true, "colorMode", "histogram"));

    @Test
    void theEstimateIsAtLeastTheMeasuredPeakAndAtMostHalfAgainAsMuch() throws Exception {
        assumeTrue(Files.exists(JEMALLOC), "no " + JEMALLOC + " (Debian: apt-get install libjemalloc2)");
        Map<Config, JsonNode> results = measureAll();

        List<String> table = new ArrayList<>();
        table.add(String.format(Locale.ROOT, "%-90s %9s %9s %6s %6s", "configuration", "estimate", "measured", "ratio", "run s"));
        SoftAssertions softly = new SoftAssertions();
        for (Config config : CONFIGS) {
            JsonNode result = results.get(config);
            long estimate = result.get("estimate").asLong();
            long measured = result.get("measured").asLong();
            double ratio = (double) estimate / measured;
            table.add(String.format(Locale.ROOT, "%-90s %6d MB %6d MB %6.2f %6.1f", config.label(), estimate >> 20, measured >> 20, ratio,
                    result.get("seconds").asDouble()));
            softly.assertThat(ratio).as("estimate / measured peak for %s (%d MB / %d MB)", config.label(), estimate >> 20, measured >> 20)
                    .isBetween(1.0, MAX_RATIO);
        }
        System.out.println(String.join("\n", table));
        softly.assertAll();
    }

    /** A line a child printed, or null when its output ended. */
    private record Event(Child child, String line) {
    }

    /** One configuration's {@link PeakMemoryMain}, with the last lines of its output for a failure's message. */
    private static final class Child {

        final Config config;
        final Process process;
        final Deque<String> tail = new ArrayDeque<>();

        Child(Config config, BlockingQueue<Event> events) throws IOException {
            this.config = config;
            List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Dai.djl.offline=true",
                    // a heap of fixed size, touched before the run, so that the heap's growth is not counted as the run's;
                    // C1 only: C2's compiler arenas come and go in the native heap and blur the run's own peak
                    "-Xms256m", "-Xmx256m", "-XX:+AlwaysPreTouch", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-cp", System.getProperty("java.class.path"), PeakMemoryMain.class.getName(),
                    Integer.toString(config.styles()), Integer.toString(config.width()), Integer.toString(config.height()),
                    JsonMapper.shared().writeValueAsString(config.options()));
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().put("LD_PRELOAD", JEMALLOC.toString());
            builder.environment().put("MALLOC_CONF", MALLOC_CONF);
            process = builder.start();
            Thread reader = new Thread(() -> {
                try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = out.readLine()) != null; ) {
                        synchronized (tail) {
                            tail.addLast(line);
                            if (tail.size() > 30) {
                                tail.removeFirst();
                            }
                        }
                        events.add(new Event(this, line));
                    }
                } catch (IOException e) {
                    // the process died: reported by the end of its output below
                }
                events.add(new Event(this, null));
            }, "peak-memory-output");
            reader.setDaemon(true);
            reader.start();
        }

        void go() {
            try {
                process.getOutputStream().write("go\n".getBytes(StandardCharsets.UTF_8));
                process.getOutputStream().flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        String output() {
            synchronized (tail) {
                return String.join("\n", tail);
            }
        }
    }

    /**
     * Every configuration's JSON line. One child at a time loads and warms up or runs; a child that
     * has settled waits for its turn, and the runs go first.
     */
    private static Map<Config, JsonNode> measureAll() throws Exception {
        BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        Iterator<Config> next = CONFIGS.iterator();
        Deque<Child> settled = new ArrayDeque<>();
        List<Child> alive = new ArrayList<>();
        Map<Config, JsonNode> results = new LinkedHashMap<>();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(TIMEOUT_MINUTES);
        try {
            boolean busy = false;
            while (results.size() < CONFIGS.size()) {
                if (!busy && !settled.isEmpty()) {
                    settled.removeFirst().go();
                    busy = true;
                } else if (!busy && next.hasNext()) {
                    alive.add(new Child(next.next(), events));
                    busy = true;
                }
                Event event = events.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (event == null) {
                    fail("no result within %d minutes; still running: %s", TIMEOUT_MINUTES,
                            alive.stream().map(c -> c.config.label()).toList());
                }
                Child child = event.child();
                if (event.line() == null) {
                    if (!results.containsKey(child.config)) {
                        fail("%s: PeakMemoryMain ended without a result; its output:%n%s", child.config.label(), child.output());
                    }
                    alive.remove(child);
                } else if (event.line().equals(PeakMemoryMain.WARM)) {
                    busy = false;
                } else if (event.line().equals(PeakMemoryMain.SETTLED)) {
                    settled.addLast(child);
                } else if (event.line().startsWith("{\"estimate\"")) {
                    results.put(child.config, JsonMapper.shared().readTree(event.line()));
                    busy = false;
                }
            }
            for (Child child : alive) {
                assertThat(child.process.waitFor(1, TimeUnit.MINUTES)).as("%s exits", child.config.label()).isTrue();
            }
            return results;
        } finally {
            alive.forEach(child -> child.process.destroyForcibly());
        }
    }
}
