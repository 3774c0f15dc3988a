package dev.pastiche.perception;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.pastiche.image.RgbImage;
import dev.pastiche.testing.TestImages;
import dev.pastiche.vgg.VggVariant;
import dev.pastiche.vgg.weights.ReferenceWeights;
import dev.pastiche.vgg.weights.WeightsSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Micro-batching: requests gathered into one forward pass get exactly what they would get alone. */
class ScoringBatcherTests {

    private static final List<String> STYLE = List.of("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1");

    @TempDir
    static Path dir;
    private static PerceptionModel model;

    @BeforeAll
    static void load() {
        model = new PerceptionModel(properties(1, 64, Duration.ZERO), ReferenceWeights.properties(WeightsSource.RANDOM, null, false, dir, null),
                new SimpleMeterRegistry());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static ModelProperties properties(int threads, int maxQueued, Duration window) {
        return new ModelProperties(VggVariant.VGG19, "block4_conv2", STYLE, threads, maxQueued, window, 524_288L);
    }

    @Test
    void batchedRequestsGetTheDistancesTheyGetAlone() throws Exception {
        List<RgbImage[]> pairs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            pairs.add(new RgbImage[] {TestImages.noise(48, 40, 10 + i), TestImages.noise(48, 40, 20 + i)});
        }
        List<Distance> alone = new ArrayList<>();
        try (PerceptualScorer scorer = new PerceptualScorer(model, properties(1, 64, Duration.ZERO), new SimpleMeterRegistry())) {
            for (RgbImage[] pair : pairs) {
                alone.add(scorer.distance(pair[0], pair[1], EnumSet.copyOf(Metric.DEFAULT)));
            }
        }
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        // a window long enough that all six, sent at once, meet in batches
        try (PerceptualScorer scorer = new PerceptualScorer(model, properties(1, 64, Duration.ofMillis(500)), meters)) {
            ExecutorService clients = Executors.newFixedThreadPool(pairs.size());
            try {
                List<Future<Distance>> together = new ArrayList<>();
                for (RgbImage[] pair : pairs) {
                    together.add(clients.submit(() -> scorer.distance(pair[0], pair[1], EnumSet.copyOf(Metric.DEFAULT))));
                }
                for (int i = 0; i < pairs.size(); i++) {
                    Distance batched = together.get(i).get(60, TimeUnit.SECONDS);
                    assertThat(batched.content()).isCloseTo(alone.get(i).content(), within(1e-5 * alone.get(i).content()));
                    assertThat(batched.style()).isCloseTo(alone.get(i).style(), within(1e-4 * alone.get(i).style()));
                    assertThat(batched.features()).isCloseTo(alone.get(i).features(), within(1e-5 * alone.get(i).features()));
                }
            } finally {
                clients.shutdownNow();
            }
        }
        var batches = meters.get("pastiche.scoring.batch").summary();
        assertThat(batches.max()).as("images in the largest batch").isGreaterThan(2);
        assertThat(batches.count()).as("forward passes for six pairs").isLessThan(6);
    }

    @Test
    void theBatchLimitDefaultsByDeviceAndASettingWins() {
        ModelProperties unset = new ModelProperties(VggVariant.VGG19, "block4_conv2", STYLE, 1);
        // one 224² pair on a CPU: two pairs in one forward were slower per pair than one
        assertThat(unset.batchPixels(false)).isEqualTo(2L * 224 * 224);
        assertThat(unset.batchPixels(true)).isEqualTo(1L << 21);
        assertThat(properties(1, 64, Duration.ZERO).batchPixels(false)).isEqualTo(524_288L);
    }

    @Test
    void differentSizesAreNotMixedAndEachGetsItsOwnAnswer() throws Exception {
        RgbImage small = TestImages.noise(32, 32, 1);
        RgbImage large = TestImages.noise(64, 48, 2);
        try (PerceptualScorer scorer = new PerceptualScorer(model, properties(1, 64, Duration.ofMillis(200)), new SimpleMeterRegistry())) {
            ExecutorService clients = Executors.newFixedThreadPool(2);
            try {
                Future<Distance> a = clients.submit(() -> scorer.distance(small, small, EnumSet.of(Metric.CONTENT)));
                Future<Distance> b = clients.submit(() -> scorer.distance(large, TestImages.noise(64, 48, 3), EnumSet.of(Metric.CONTENT)));
                assertThat(a.get(60, TimeUnit.SECONDS).width()).isEqualTo(32);
                assertThat(a.get().content()).isZero();
                assertThat(b.get(60, TimeUnit.SECONDS).width()).isEqualTo(64);
                assertThat(b.get().content()).isPositive();
            } finally {
                clients.shutdownNow();
            }
        }
    }

    @Test
    void aFullQueueRefusesBeforeAnyWorkAndAFailureStaysWithItsRequest() throws Exception {
        CountDownLatch computing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        RgbImage image = TestImages.noise(32, 32, 1);
        try (ScoringBatcher batcher = new ScoringBatcher(model::extractor, properties(1, 1, Duration.ZERO), new SimpleMeterRegistry(), "vgg19")) {
            ExecutorService clients = Executors.newFixedThreadPool(2);
            try {
                Future<Object> blocking = clients.submit(() -> batcher.submit(List.of(image), Set.of("block1_conv1"), taps -> {
                    computing.countDown();
                    await(release);
                    throw new IllegalStateException("this request's own failure");
                }));
                assertThat(computing.await(60, TimeUnit.SECONDS)).isTrue();
                Future<Long> queued = clients.submit(() -> batcher.submit(List.of(image), Set.of("block1_conv1"),
                        taps -> taps.get("block1_conv1").getShape().get(1)));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (batcher.queued() < 1 && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                assertThat(batcher.queued()).as("requests waiting behind the blocked one").isEqualTo(1);
                assertThatThrownBy(() -> batcher.submit(List.of(image), Set.of("block1_conv1"), taps -> 0))
                        .isInstanceOf(ScoringQueueFullException.class).hasMessageContaining("pastiche.model.max-queued");
                release.countDown();
                assertThatThrownBy(() -> blocking.get(60, TimeUnit.SECONDS)).hasRootCauseMessage("this request's own failure");
                assertThat(queued.get(60, TimeUnit.SECONDS)).isEqualTo(64L);
            } finally {
                clients.shutdownNow();
            }
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
