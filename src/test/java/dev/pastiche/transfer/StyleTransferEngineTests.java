package dev.pastiche.transfer;

import dev.pastiche.perception.Losses;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.pastiche.image.ImageOps;
import dev.pastiche.image.RgbImage;
import dev.pastiche.perception.PerceptionModel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.util.unit.DataSize;

/**
 * The engine's behaviour around the optimisation: seeds, colour preservation, blending, stages,
 * progress, cancellation, deadlines, initialisation and memory admission. VGG19 on seeded random
 * weights; images of 32–96 px and a handful of iterations, so that the class stays fast on a
 * small CPU. Where the behaviour under test does not depend on the depth of the network, the runs
 * tap only blocks 1–2 (the forward pass stops at the deepest tap), which makes them several times
 * cheaper than the default layers.
 */
class StyleTransferEngineTests {

    private static final String SHALLOW_CONTENT = "block2_conv2";
    private static final List<String> SHALLOW_STYLE = List.of("block1_conv1", "block2_conv1");

    @TempDir
    static Path dir;

    private static PerceptionModel model;
    private static StyleTransferEngine engine;
    private static RgbImage content;
    private static RgbImage style;

    @BeforeAll
    static void load() {
        model = TransferFixtures.randomModel(dir);
        engine = TransferFixtures.engine(model);
        content = TransferFixtures.picture(96, 64, 1);
        style = TransferFixtures.picture(40, 56, 2);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** Few iterations of adam (one evaluation per iteration) on the shallow layers. */
    private static OptionsBuilder shallow(int size, int iterations) {
        return OptionsBuilder.options().with("size", size).with("iterations", iterations).with("optimizer", OptimizerType.ADAM)
                .with("contentLayer", SHALLOW_CONTENT).with("styleLayers", SHALLOW_STYLE);
    }

    private static TransferResult run(TransferOptions options, List<RgbImage> styles, TransferListener listener) {
        return engine.run(TransferFixtures.request(engine, content, styles, options), listener, () -> false);
    }

    private static TransferResult run(TransferOptions options) {
        return run(options, List.of(style), TransferListener.NONE);
    }

    /** Records every progress event and preview, in order. */
    private static final class Recorder implements TransferListener {
        final List<TransferProgress> progress = new ArrayList<>();
        final List<RgbImage> previews = new ArrayList<>();
        final List<TransferProgress> previewProgress = new ArrayList<>();

        @Override
        public void progress(TransferProgress p) {
            progress.add(p);
        }

        @Override
        public void preview(RgbImage image, TransferProgress p) {
            previews.add(image);
            previewProgress.add(p);
        }
    }

    // --- seeds -----------------------------------------------------------------------------------

    @Test
    void theSameSeedGivesBitIdenticalOutputAndAnotherSeedAnotherOutput() {
        OptionsBuilder noise = shallow(48, 4).with("init", InitMode.NOISE);

        TransferResult first = run(noise.with("seed", 42).build());
        TransferResult again = run(noise.with("seed", 42).build());
        TransferResult other = run(noise.with("seed", 43).build());

        assertThat(first.options().optimisation().seed()).isEqualTo(42);
        assertThat(other.options().optimisation().seed()).isEqualTo(43);
        assertThat(again.image().pixels()).as("same seed").isEqualTo(first.image().pixels());
        assertThat(other.image().pixels()).as("another seed").isNotEqualTo(first.image().pixels());
    }

    @Test
    void withoutASeedTheResultReportsTheOneChosen() {
        TransferResult result = run(shallow(32, 1).with("init", InitMode.NOISE).build());

        assertThat(result.options().optimisation().seed()).isBetween(0L, (1L << 53) - 1);
        assertThat(engine.resolve(TransferOptions.defaults(), 1).optimisation().seed()).isBetween(0L, (1L << 53) - 1);
    }

    // --- preserveColors --------------------------------------------------------------------------

    @Test
    void preserveColorsKeepsTheContentsChrominance() {
        // from noise, so that without preserveColors the colours are far from the content's
        OptionsBuilder options = shallow(48, 3).with("init", InitMode.NOISE).with("seed", 7);
        RgbImage target = ImageOps.resize(content, 48, 32);

        RgbImage preserved = run(options.with("preserveColors", true).build()).image();
        RgbImage free = run(options.with("preserveColors", false).build()).image();

        Chrominance withColors = Chrominance.between(preserved, target);
        Chrominance without = Chrominance.between(free, target);
        assertThat(withColors.unclipped()).as("pixels with no channel at 0 or 255").isGreaterThan(48 * 32 / 4);
        assertThat(withColors.maxDifference()).as("largest |ΔI|, |ΔQ| with preserveColors").isLessThanOrEqualTo(1.5);
        assertThat(without.meanDifference()).as("mean |ΔI|, |ΔQ| without preserveColors")
                .isGreaterThan(10 * Math.max(withColors.meanDifference(), 0.1));
    }

    /** YIQ I and Q differences over the pixels where the output has no clipped channel. */
    private record Chrominance(int unclipped, double maxDifference, double meanDifference) {

        static Chrominance between(RgbImage output, RgbImage content) {
            assertThat(output.width()).isEqualTo(content.width());
            assertThat(output.height()).isEqualTo(content.height());
            int[] o = output.pixels();
            int[] c = content.pixels();
            int count = 0;
            double max = 0;
            double sum = 0;
            for (int i = 0; i < o.length; i++) {
                if (clipped(o[i])) {
                    continue;
                }
                double di = Math.abs(ColorControl.inPhase(o[i]) - ColorControl.inPhase(c[i]));
                double dq = Math.abs(ColorControl.quadrature(o[i]) - ColorControl.quadrature(c[i]));
                max = Math.max(max, Math.max(di, dq));
                sum += di + dq;
                count++;
            }
            return new Chrominance(count, max, count == 0 ? 0 : sum / (2 * count));
        }

        private static boolean clipped(int p) {
            for (int shift = 0; shift <= 16; shift += 8) {
                int v = (p >> shift) & 0xff;
                if (v == 0 || v == 255) {
                    return true;
                }
            }
            return false;
        }
    }

    // --- blending --------------------------------------------------------------------------------

    @Test
    void blendingAStyleWithItselfGivesThatStyleAlone() {
        OptionsBuilder options = shallow(48, 4).with("seed", 3);

        RgbImage alone = run(options.build(), List.of(style), TransferListener.NONE).image();
        RgbImage blended = run(options.with("styleWeights", List.of(0.3, 0.7)).build(), List.of(style, style), TransferListener.NONE).image();

        // 0.3·G + 0.7·G may differ from G in the last bit of a float, nothing more
        assertThat(maxChannelDifference(blended, alone)).isLessThanOrEqualTo(1);
    }

    @Test
    void blendingWeighsTheStyles() {
        RgbImage other = TransferFixtures.picture(56, 40, 9);
        OptionsBuilder options = shallow(48, 4).with("seed", 3);

        RgbImage first = run(options.build(), List.of(style), TransferListener.NONE).image();
        RgbImage mostlyFirst = run(options.with("styleWeights", List.of(1.0, 0.0)).build(), List.of(style, other), TransferListener.NONE).image();
        RgbImage mixed = run(options.with("styleWeights", List.of(0.5, 0.5)).build(), List.of(style, other), TransferListener.NONE).image();

        assertThat(maxChannelDifference(mostlyFirst, first)).as("weight 0 for the second style").isLessThanOrEqualTo(1);
        assertThat(maxChannelDifference(mixed, first)).as("an even blend with another style").isGreaterThan(1);
    }

    private static int maxChannelDifference(RgbImage a, RgbImage b) {
        assertThat(a.width()).isEqualTo(b.width());
        assertThat(a.height()).isEqualTo(b.height());
        int max = 0;
        for (int i = 0; i < a.pixels().length; i++) {
            for (int shift = 0; shift <= 16; shift += 8) {
                max = Math.max(max, Math.abs(((a.pixels()[i] >> shift) & 0xff) - ((b.pixels()[i] >> shift) & 0xff)));
            }
        }
        return max;
    }

    // --- stages and progress ---------------------------------------------------------------------

    @Test
    void twoScalesRunCoarseThenFineAndEndAtTheSizeWithTheContentsAspectRatio() {
        Recorder recorder = new Recorder();

        TransferResult result = run(shallow(64, 3).with("scales", 2).with("initialIterations", 3).with("minSize", 32).build(), List.of(style), recorder);

        assertThat(recorder.progress).extracting(TransferProgress::scale).containsExactly(1, 1, 1, 2, 2, 2);
        assertThat(recorder.progress).extracting(TransferProgress::scales).containsOnly(2);
        // content 96×64: the stages' longest sides are 45 and 64
        assertThat(result.image().width()).isEqualTo(64);
        assertThat(result.image().height()).isEqualTo(43);
        assertThat(result.width()).isEqualTo(64);
        assertThat(result.height()).isEqualTo(43);
        assertThat(result.evaluations()).isEqualTo(6);
    }

    @Test
    void eachStageStartsFromThePreviousStagesResult() {
        Recorder recorder = new Recorder();

        // content loss alone, from noise: a stage that started afresh would start as far from the content as the first
        run(shallow(64, 4).with("scales", 2).with("initialIterations", 4).with("minSize", 32).with("init", InitMode.NOISE).with("seed", 13).with("styleWeight", 0).build(), List.of(style), recorder);

        List<TransferProgress> first = recorder.progress.stream().filter(p -> p.scale() == 1).toList();
        double firstStart = first.get(0).losses().content();
        double firstEnd = first.get(first.size() - 1).losses().content();
        double secondStart = recorder.progress.stream().filter(p -> p.scale() == 2).findFirst().orElseThrow().losses().content();
        assertThat(firstEnd).isLessThan(firstStart);
        assertThat(secondStart).isLessThan(firstStart - 0.5 * (firstStart - firstEnd));
    }

    @Test
    void progressCountsEachStagesIterationsRisesToOneAndPreviewsEveryPreviewEvery() {
        Recorder recorder = new Recorder();

        run(shallow(64, 7).with("scales", 2).with("initialIterations", 7).with("minSize", 32).with("previewEvery", 3).build(), List.of(style), recorder);

        List<TransferProgress> first = recorder.progress.stream().filter(p -> p.scale() == 1).toList();
        List<TransferProgress> second = recorder.progress.stream().filter(p -> p.scale() == 2).toList();
        assertThat(first).extracting(TransferProgress::iteration).containsExactly(1, 2, 3, 4, 5, 6, 7);
        assertThat(second).extracting(TransferProgress::iteration).containsExactly(1, 2, 3, 4, 5, 6, 7);
        assertThat(recorder.progress).extracting(TransferProgress::iterations).containsOnly(7);
        List<Double> fractions = recorder.progress.stream().map(TransferProgress::fraction).toList();
        assertThat(fractions).isSorted().doesNotHaveDuplicates().allSatisfy(f -> assertThat(f).isBetween(0.0, 1.0));
        assertThat(fractions.get(fractions.size() - 1)).isEqualTo(1.0);
        // stages weigh by pixels: 45×30 then 64×43
        assertThat(first.get(first.size() - 1).fraction()).isCloseTo(45.0 * 30 / (45 * 30 + 64 * 43), within(1e-12));
        assertThat(recorder.progress).allSatisfy(p -> assertThat(p.losses().total()).isFinite());

        // iterations 3 and 6 of each stage
        assertThat(recorder.previewProgress).extracting(TransferProgress::scale, TransferProgress::iteration)
                .containsExactly(tuple(1, 3), tuple(1, 6), tuple(2, 3), tuple(2, 6));
        assertThat(recorder.previews).extracting(RgbImage::width, RgbImage::height)
                .containsExactly(tuple(45, 30), tuple(45, 30), tuple(64, 43), tuple(64, 43));
    }

    // --- cancellation and deadline ---------------------------------------------------------------

    @Test
    void aCancelledRunStopsWithinOneEvaluationFreesItsArraysAndReleasesTheEngine() throws Exception {
        AtomicBoolean cancelled = new AtomicBoolean();
        AtomicInteger events = new AtomicInteger();
        AtomicInteger eventsAfterCancel = new AtomicInteger();
        CountDownLatch third = new CountDownLatch(1);
        TransferListener listener = new TransferListener() {
            @Override
            public void progress(TransferProgress progress) {
                if (cancelled.get()) {
                    eventsAfterCancel.incrementAndGet();
                }
                if (events.incrementAndGet() == 3) {
                    third.countDown();
                }
            }
        };
        TransferRequest request = TransferFixtures.request(engine, content, List.of(style),
                OptionsBuilder.options().with("size", 96).with("iterations", 200).with("optimizer", OptimizerType.ADAM).build());
        int arraysBefore = model.extractor().liveArrays();

        ExecutorService worker = Executors.newSingleThreadExecutor();
        try {
            Future<TransferResult> running = worker.submit(() -> engine.run(request, listener, cancelled::get));
            assertThat(third.await(60, TimeUnit.SECONDS)).as("three progress events").isTrue();
            cancelled.set(true);

            assertThatThrownBy(() -> running.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(TransferCancelledException.class);
        } finally {
            worker.shutdownNow();
        }

        assertThat(eventsAfterCancel.get()).as("evaluations finished after the cancel").isLessThanOrEqualTo(1);
        assertThat(events.get()).isLessThanOrEqualTo(4);
        assertThat(model.extractor().liveArrays()).as("live arrays after the cancelled run").isEqualTo(arraysBefore);
        // on another thread than the cancelled run's, so a lock it kept would block this one
        TransferResult next = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> run(shallow(32, 2).build()));
        assertThat(next.evaluations()).isEqualTo(2);
        assertThat(model.extractor().liveArrays()).as("live arrays after the next run").isEqualTo(arraysBefore);
    }

    @Test
    void aRunPastItsDeadlineStopsSoonAfter() {
        TransferOptions options = OptionsBuilder.options().with("size", 128).with("iterations", 2000).with("optimizer", OptimizerType.ADAM)
                .with("deadlineSeconds", 1).build();
        long start = System.nanoTime();

        assertThatThrownBy(() -> run(options)).isInstanceOf(TransferDeadlineException.class).hasMessageContaining("1 s");

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    // --- init ------------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(InitMode.class)
    void onlyContentInitStartsAtTheContent(InitMode init) {
        Recorder recorder = new Recorder();

        run(shallow(48, 1).with("init", init).with("seed", 5).with("contentWeight", 1).build(), List.of(style), recorder);

        double firstContentLoss = recorder.progress.get(0).losses().content();
        if (init == InitMode.CONTENT) {
            assertThat(firstContentLoss).isCloseTo(0, within(1e-9));
        } else {
            assertThat(firstContentLoss).isGreaterThan(1e-3);
        }
    }

    // --- the result ------------------------------------------------------------------------------

    @Test
    void lbfgsLowersTheLossAndTheResultReportsItsSizeAndFinalLosses() {
        Recorder recorder = new Recorder();

        TransferResult result = run(OptionsBuilder.options().with("size", 48).with("iterations", 10).with("optimizer", OptimizerType.LBFGS).with("seed", 11).build(),
                List.of(style), recorder);

        assertThat(result.width()).isEqualTo(result.image().width()).isEqualTo(48);
        assertThat(result.height()).isEqualTo(result.image().height()).isEqualTo(32);
        // one progress per iteration, each after torch's max_eval of 1.25 evaluations per iteration at most
        assertThat(result.iterations()).isEqualTo(recorder.progress.size()).isBetween(1, 10);
        assertThat(result.evaluations()).isBetween(result.iterations(), 12);
        assertThat(recorder.progress).extracting(TransferProgress::evaluations).isSorted().last().isEqualTo(result.evaluations());
        Losses losses = result.losses();
        assertThat(losses.total()).isFinite().isPositive();
        assertThat(losses.content()).isFinite().isNotNegative();
        assertThat(losses.style()).isFinite().isNotNegative();
        assertThat(losses.tv()).isFinite().isNotNegative();
        assertThat(losses.total()).isCloseTo(losses.content() + 1e6 * losses.style(), within(1e-4 * losses.total()));
        assertThat(losses.total()).isLessThan(recorder.progress.get(0).losses().total());
    }

    // --- validation and admission ----------------------------------------------------------------

    @Test
    void resolveValidatesAgainstTheEnginesLimitsAndTheModelsLayers() {
        InvalidOptionsException e = catchThrowableOfType(InvalidOptionsException.class, () -> engine.resolve(
                OptionsBuilder.options().with("size", TransferFixtures.LIMITS.maxSize() + 1).with("styleLayers", List.of("block6_conv1")).build(), 1));

        assertThat(e.errors()).extracting(InvalidOptionsException.FieldError::field).containsExactly("size", "styleLayers");
        ResolvedOptions resolved = engine.resolve(TransferOptions.defaults(), 1);
        assertThat(resolved.layers().contentLayer()).isEqualTo(model.contentLayer());
        assertThat(resolved.layers().styleLayers()).isEqualTo(model.styleLayers());
    }

    @Test
    void invalidOptionsAreRefusedBeforeAnyWork() {
        Recorder recorder = new Recorder();

        assertThatThrownBy(() -> run(OptionsBuilder.options().with("iterations", 0).build(), List.of(style), recorder))
                .isInstanceOf(InvalidOptionsException.class);
        assertThat(recorder.progress).isEmpty();
    }

    private static final DataSize BUDGET = DataSize.ofMegabytes(400);
    private static final Pattern AT_MOST = Pattern.compile("at most (\\d+)");

    private static StyleTransferEngine smallEngine() {
        TransferProperties limits = TransferFixtures.LIMITS;
        return TransferFixtures.engine(model, new TransferProperties(limits.maxSize(), limits.maxIterations(), limits.maxStyles(), BUDGET));
    }

    @Test
    void aRunOverTheMemoryBudgetIsRefusedWithTheLargestSizeThatFits() {
        StyleTransferEngine small = smallEngine();
        ResolvedOptions options = small.resolve(OptionsBuilder.options().with("size", 1024).with("optimizer", OptimizerType.LBFGS).build(), 1);

        TransferTooLargeException e = catchThrowableOfType(TransferTooLargeException.class, () -> small.admit(options, 0, 96, 64));

        assertThat(e).isNotNull();
        assertThat(e.budgetBytes()).isEqualTo(BUDGET.toBytes());
        assertThat(e.estimatedBytes()).isEqualTo(small.peakBytes(options, 0, 96, 64)).isGreaterThan(BUDGET.toBytes());
        assertThat(e.getMessage()).contains("400 MB").contains("1024");
        Matcher fits = AT_MOST.matcher(e.getMessage());
        assertThat(fits.find()).as("a size that fits in %s", e.getMessage()).isTrue();
        int size = Integer.parseInt(fits.group(1));
        assertThat(size).isBetween(TransferOptions.SMALLEST_SIZE, 1023);
        assertThat(small.peakBytes(options.withSize(size), 0, 96, 64)).isLessThanOrEqualTo(BUDGET.toBytes());
        assertThat(small.peakBytes(options.withSize(size + 1), 0, 96, 64)).as("the largest that fits").isGreaterThan(BUDGET.toBytes());
    }

    @Test
    void downscaleToFitRunsAtTheLargestSizeThatFits() {
        StyleTransferEngine small = smallEngine();
        ResolvedOptions options = small.resolve(
                OptionsBuilder.options().with("size", 1024).with("optimizer", OptimizerType.LBFGS).with("scales", 3).with("downscaleToFit", true).build(), 1);

        ResolvedOptions admitted = small.admit(options, 0, 96, 64);

        assertThat(admitted.schedule().size()).isLessThan(1024);
        assertThat(small.peakBytes(admitted, 0, 96, 64)).isLessThanOrEqualTo(BUDGET.toBytes());
        assertThat(small.peakBytes(admitted.withSize(admitted.schedule().size() + 1), 0, 96, 64)).isGreaterThan(BUDGET.toBytes());
        assertThat(admitted.schedule().minSize()).isLessThanOrEqualTo(admitted.schedule().size());
        assertThat(admitted).usingRecursiveComparison().ignoringFields("schedule.size", "schedule.minSize").isEqualTo(options);
    }

    @Test
    void whenNoSizeFitsTheRefusalSuggestsNoSize() {
        // below the allowances that do not shrink with the image (the backward pass's, the process's), nothing fits
        DataSize tiny = DataSize.ofMegabytes(40);
        TransferProperties limits = TransferFixtures.LIMITS;
        StyleTransferEngine small = TransferFixtures.engine(model,
                new TransferProperties(limits.maxSize(), limits.maxIterations(), limits.maxStyles(), tiny));
        ResolvedOptions options = small.resolve(OptionsBuilder.options().with("size", 512).with("downscaleToFit", true).build(), 1);

        TransferTooLargeException e = catchThrowableOfType(TransferTooLargeException.class, () -> small.admit(options, 0, 96, 64));

        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("40 MB").contains("pastiche.transfer.memory-budget");
        Matcher suggested = AT_MOST.matcher(e.getMessage());
        while (suggested.find()) {
            int size = Integer.parseInt(suggested.group(1));
            assertThat(size).as("suggested size in %s", e.getMessage()).isGreaterThanOrEqualTo(TransferOptions.SMALLEST_SIZE);
            assertThat(small.peakBytes(options.withSize(size), 0, 96, 64)).as("suggested size in %s", e.getMessage())
                    .isLessThanOrEqualTo(tiny.toBytes());
        }
    }

    @Test
    void adamNeedsLessMemoryThanLbfgsAndMoreForLargerSizes() {
        ResolvedOptions lbfgs = engine.resolve(OptionsBuilder.options().with("size", 512).with("optimizer", OptimizerType.LBFGS).build(), 1);
        ResolvedOptions adam = engine.resolve(OptionsBuilder.options().with("size", 512).with("optimizer", OptimizerType.ADAM).build(), 1);

        assertThat(engine.peakBytes(adam, 0, 96, 64)).isLessThan(engine.peakBytes(lbfgs, 0, 96, 64));
        assertThat(engine.peakBytes(lbfgs.withSize(256), 0, 96, 64)).isLessThan(engine.peakBytes(lbfgs, 0, 96, 64));
    }

    @Test
    void aRunOverTheMemoryBudgetDoesNoWork() {
        Recorder recorder = new Recorder();
        TransferRequest request = TransferFixtures.request(engine, content, List.of(style), OptionsBuilder.options().with("size", 1024).with("iterations", 1).build());
        int arraysBefore = model.extractor().liveArrays();

        assertThatThrownBy(() -> smallEngine().run(request, recorder, () -> false)).isInstanceOf(TransferTooLargeException.class);

        assertThat(recorder.progress).isEmpty();
        assertThat(recorder.previews).isEmpty();
        assertThat(model.extractor().liveArrays()).isEqualTo(arraysBefore);
    }
}
