package dev.pastiche.perception;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pastiche.image.RgbImage;
import dev.pastiche.testing.ProcessMemory;
import dev.pastiche.testing.TestImages;
import dev.pastiche.vgg.VggVariant;
import dev.pastiche.vgg.weights.ReferenceWeights;
import dev.pastiche.vgg.weights.WeightsSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
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
    void twoHundredScoringCallsLeaveLiveArraysAndRssFlat() {
        ModelProperties properties = new ModelProperties(VggVariant.VGG19, "block4_conv2",
                List.of("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1"), 2);
        try (PerceptionModel model = new PerceptionModel(properties,
                ReferenceWeights.properties(WeightsSource.RANDOM, null, false, dir, null), new SimpleMeterRegistry());
                PerceptualScorer scorer = new PerceptualScorer(model, properties, new SimpleMeterRegistry())) {
            RgbImage a = TestImages.noise(96, 72, 1);
            RgbImage b = TestImages.noise(96, 72, 2);
            for (int i = 0; i < 20; i++) {
                scorer.distance(a, b, EnumSet.copyOf(Metric.DEFAULT));
                scorer.featureMap(a, "block3_conv1", 16);
                scorer.map(a, b, Metric.FEATURES);
                scorer.matrix(List.of(a), List.of(b, a), EnumSet.copyOf(Metric.DEFAULT));
            }
            int arraysBefore = model.extractor().liveArrays();
            long rssBefore = ProcessMemory.rss();
            for (int i = 0; i < CALLS; i++) {
                scorer.distance(a, b, EnumSet.copyOf(Metric.DEFAULT));
                if (i % 10 == 0) {
                    scorer.featureMap(b, "block5_conv4", 64);
                    scorer.map(a, b, Metric.FEATURES);
                    scorer.matrix(List.of(a), List.of(b, a), EnumSet.copyOf(Metric.DEFAULT));
                }
            }
            long rssAfter = ProcessMemory.rss();
            assertThat(model.extractor().liveArrays()).isEqualTo(arraysBefore);
            assertThat(rssAfter - rssBefore).as("RSS growth over %d calls (before %d MB, after %d MB)", CALLS, rssBefore >> 20, rssAfter >> 20)
                    .isLessThan(RSS_SLACK);
        }
    }
}
