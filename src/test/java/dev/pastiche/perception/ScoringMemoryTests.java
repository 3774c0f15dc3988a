package dev.pastiche.perception;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pastiche.image.RgbImage;
import dev.pastiche.vgg.VggVariant;
import dev.pastiche.vgg.weights.ReferenceWeights;
import dev.pastiche.vgg.weights.WeightsSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Native memory is a resource: many scoring calls in a row leave no arrays behind and RSS flat. */
class ScoringMemoryTests {

    private static final int CALLS = 200;
    /** A leaked block1 tap at this size is 3.5 MB per call, so a leak would add 700 MB. */
    private static final long RSS_SLACK = 64L << 20;

    @TempDir
    Path dir;

    @Test
    void twoHundredScoringCallsLeaveLiveArraysAndRssFlat() throws IOException {
        ModelProperties properties = new ModelProperties(VggVariant.VGG19, "block4_conv2",
                List.of("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1"), 2);
        try (PerceptionModel model = new PerceptionModel(properties,
                ReferenceWeights.properties(WeightsSource.RANDOM, null, false, dir, null), new SimpleMeterRegistry())) {
            PerceptualScorer scorer = new PerceptualScorer(model, properties, new SimpleMeterRegistry());
            RgbImage a = noise(96, 72, 1);
            RgbImage b = noise(96, 72, 2);
            for (int i = 0; i < 20; i++) {
                scorer.distance(a, b, EnumSet.allOf(Metric.class));
                scorer.featureMap(a, "block3_conv1", 16);
            }
            int arraysBefore = model.extractor().liveArrays();
            long rssBefore = rss();
            for (int i = 0; i < CALLS; i++) {
                scorer.distance(a, b, EnumSet.allOf(Metric.class));
                if (i % 10 == 0) {
                    scorer.featureMap(b, "block5_conv4", 64);
                }
            }
            System.gc();
            long rssAfter = rss();
            assertThat(model.extractor().liveArrays()).isEqualTo(arraysBefore);
            assertThat(rssAfter - rssBefore).as("RSS growth over %d calls (before %d MB, after %d MB)", CALLS, rssBefore >> 20, rssAfter >> 20)
                    .isLessThan(RSS_SLACK);
        }
    }

    private static RgbImage noise(int w, int h, long seed) {
        RgbImage image = RgbImage.blank(w, h);
        Random random = new Random(seed);
        int[] pixels = image.pixels();
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = random.nextInt(1 << 24);
        }
        return image;
    }

    /** Resident set size from /proc (Linux), in bytes. */
    private static long rss() throws IOException {
        System.gc();
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
