package dev.pastiche.transfer;

import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.util.NDImageUtils;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.pastiche.image.ImageOps;
import dev.pastiche.image.Mask;
import dev.pastiche.image.RgbImage;
import dev.pastiche.perception.FeatureExtractor;
import dev.pastiche.perception.GradientLock;
import dev.pastiche.perception.ImageTensors;
import dev.pastiche.perception.Losses;
import dev.pastiche.perception.PerceptionModel;
import dev.pastiche.perception.StyleObjective;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Neural style transfer (Gatys, Ecker &amp; Bethge, "Image Style Transfer Using Convolutional Neural
 * Networks", CVPR 2016) over perception's objective: coarse to fine over {@code scales} stages,
 * each stage starting from the upsampled result of the one before. One run at a time per
 * process, because PyTorch allows one gradient collector per JVM; scoring may run beside it.
 */
@Component
public class StyleTransferEngine {

    /** Changes whenever the same inputs, options and weights could give a different image. */
    public static final String VERSION = "pastiche-transfer/3";

    private static final Logger log = LoggerFactory.getLogger(StyleTransferEngine.class);

    private final PerceptionModel model;
    private final TransferProperties properties;
    private final Timer evaluationTimer;
    /**
     * Adam restarts at every stage (the default), or carries its moments into the next, resized: the
     * alternative the benchmark measures. Carried, the second moment of a smaller stage, whose
     * mean-normalised losses give each pixel a larger gradient, keeps the next stage's steps small
     * for most of it (docs/performance.md).
     */
    private boolean carryAdamMoments = false;
    /** Per process, not per engine: libtorch's gradients are not safe beside another optimisation in the same JVM. */
    private static final ReentrantLock RUNNING = GradientLock.get();

    public StyleTransferEngine(PerceptionModel model, TransferProperties properties, MeterRegistry meters) {
        this.model = model;
        this.properties = properties;
        this.evaluationTimer = Timer.builder("pastiche.transfer.step")
                .description("One objective evaluation (forward and backward) of a style transfer").register(meters);
    }

    /** For the time-to-loss benchmark: Adam's moments carried into every next stage, resized, instead of restarted. */
    StyleTransferEngine carryingAdamMoments() {
        carryAdamMoments = true;
        return this;
    }

    /**
     * What besides the inputs and options decides a result: the engine version, the network and its
     * weights, the device and PyTorch version. Recorded with every finished job.
     */
    public Map<String, Object> environment() {
        Map<String, Object> environment = new LinkedHashMap<>();
        environment.put("engine", VERSION);
        environment.putAll(model.environment());
        return environment;
    }

    /** Validates options and fills in their defaults, without running anything. */
    public ResolvedOptions resolve(TransferOptions options, int styleCount) {
        return resolve(options, styleCount, false);
    }

    /** {@link #resolve(TransferOptions, int)} for a run with one mask per style, or none. */
    public ResolvedOptions resolve(TransferOptions options, int styleCount, boolean masked) {
        return options.resolve(styleCount, masked, properties, model.properties());
    }

    /** This node's {@code pastiche.transfer.memory-budget}, in bytes. */
    public long memoryBudget() {
        return properties.memoryBudget().toBytes();
    }

    /**
     * Checks a run's estimated peak memory against this node's budget before it starts; returns the
     * options to run (smaller, if they ask for {@code downscaleToFit}).
     *
     * @throws TransferTooLargeException when it does not fit and may not be downscaled
     * @throws InvalidOptionsException when a stage would be too small for the layers
     */
    public ResolvedOptions admit(ResolvedOptions options, int masks, int contentWidth, int contentHeight) {
        return admit(options, masks, contentWidth, contentHeight, memoryBudget());
    }

    /**
     * {@link #admit(ResolvedOptions, int, int, int)} against another node's budget: a worker's, at submission.
     *
     * @param masks the run's style masks: 0, or one per style
     */
    public ResolvedOptions admit(ResolvedOptions options, int masks, int contentWidth, int contentHeight, long budget) {
        long need = peakBytes(options, masks, contentWidth, contentHeight);
        ResolvedOptions admitted = options;
        if (need > budget) {
            int low = TransferOptions.SMALLEST_SIZE - 1;
            int high = options.schedule().size();
            while (high - low > 1) {
                int mid = (low + high) >>> 1;
                if (peakBytes(options.withSize(mid), masks, contentWidth, contentHeight) <= budget) {
                    low = mid;
                } else {
                    high = mid;
                }
            }
            if (!options.schedule().downscaleToFit() || low < TransferOptions.SMALLEST_SIZE) {
                throw new TransferTooLargeException(need, budget, options.schedule().size(), Math.max(low, 0));
            }
            admitted = options.withSize(low);
        }
        checkStagesLargeEnough(admitted, contentWidth, contentHeight);
        return admitted;
    }

    /** The largest stage's estimate. */
    public long peakBytes(ResolvedOptions options, int masks, int contentWidth, int contentHeight) {
        return MemoryEstimate.peakBytes(model, options, masks, contentWidth, contentHeight);
    }

    private void checkStagesLargeEnough(ResolvedOptions options, int contentWidth, int contentHeight) {
        int need = StyleObjective.smallestSide(model, options.layers());
        Schedule schedule = options.schedule();
        int side = Scales.longestSides(schedule.size(), schedule.scales(), schedule.minSize()).get(0);
        int[] dims = Scales.dimensions(contentWidth, contentHeight, side);
        if (Math.min(dims[0], dims[1]) < need) {
            throw new InvalidOptionsException(List.of(new InvalidOptionsException.FieldError("size",
                    "the content's shorter side would be " + Math.min(dims[0], dims[1]) + " px at the smallest stage, but the layers need "
                            + need + " px; raise size or minSize, or use a less elongated content image")));
        }
    }

    /**
     * Runs a style transfer to the end, after admitting it against this node's memory budget;
     * blocks while another run holds the engine.
     *
     * @param cancelled polled before every evaluation
     * @throws TransferCancelledException when {@code cancelled} turned true (or the thread was interrupted)
     * @throws TransferDeadlineException when {@code deadlineSeconds} passed
     * @throws TransferDivergedException when the loss or the image stopped being finite
     */
    public TransferResult run(TransferRequest request, TransferListener listener, BooleanSupplier cancelled) {
        return run(request, listener, cancelled, null);
    }

    /**
     * {@link #run(TransferRequest, TransferListener, BooleanSupplier)} going on from {@code checkpoint}
     * when it belongs to this run (same stages, stage size, optimiser and seed: a worker with a
     * smaller memory budget may have downscaled the run); from the start otherwise.
     */
    public TransferResult run(TransferRequest request, TransferListener listener, BooleanSupplier cancelled, TransferCheckpoint checkpoint) {
        ResolvedOptions options = admit(request.options(), request.masks().size(), request.content().width(), request.content().height());
        FeatureExtractor extractor = model.extractor();
        try {
            RUNNING.lockInterruptibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransferCancelledException();
        }
        try {
            TransferCheckpoint from = checkpoint != null && belongsTo(checkpoint, request, options) ? checkpoint : null;
            if (checkpoint != null && from == null) {
                log.warn("A checkpoint at stage {}, iteration {} belongs to another run (other size, optimiser or seed): starting over",
                        checkpoint.stage() + 1, checkpoint.iteration());
            }
            return optimise(extractor, request, options, listener, cancelled, from);
        } finally {
            RUNNING.unlock();
        }
    }

    private static boolean belongsTo(TransferCheckpoint checkpoint, TransferRequest request, ResolvedOptions options) {
        Schedule schedule = options.schedule();
        List<Integer> sides = Scales.longestSides(schedule.size(), schedule.scales(), schedule.minSize());
        if (checkpoint.stages() != sides.size() || checkpoint.stage() < 0 || checkpoint.stage() >= sides.size()) {
            return false;
        }
        int[] dims = Scales.dimensions(request.content().width(), request.content().height(), sides.get(checkpoint.stage()));
        Optimisation optimisation = options.optimisation();
        return checkpoint.width() == dims[0] && checkpoint.height() == dims[1] && checkpoint.optimizer() == optimisation.optimizer()
                && checkpoint.seed() == optimisation.seed() && (checkpoint.adam() != null) == (optimisation.optimizer() == OptimizerType.ADAM)
                && (checkpoint.average() != null) == (optimisation.averageDecay() > 0)
                && checkpoint.iteration() >= 0 && checkpoint.iteration() <= schedule.iterationsOf(checkpoint.stage(), sides.size());
    }

    private TransferResult optimise(FeatureExtractor extractor, TransferRequest request, ResolvedOptions options,
            TransferListener listener, BooleanSupplier cancelled, TransferCheckpoint from) {
        RgbImage content = request.content();
        ColorMode colorMode = options.output().colorMode();
        // what the objective sees: for histogram the styles recoloured, for luminance-only all in grey
        ColorControl.Inputs inputs = ColorControl.inputs(colorMode, content, request.styles());
        Schedule schedule = options.schedule();
        Optimisation optimisation = options.optimisation();
        List<Integer> sides = Scales.longestSides(schedule.size(), schedule.scales(), schedule.minSize());
        long[] stagePixels = new long[sides.size()];
        int[] stageIterations = new int[sides.size()];
        for (int k = 0; k < sides.size(); k++) {
            int[] dims = Scales.dimensions(content.width(), content.height(), sides.get(k));
            stagePixels[k] = (long) dims[0] * dims[1];
            stageIterations[k] = schedule.iterationsOf(k, sides.size());
        }
        ProgressTracker tracker = new ProgressTracker(listener, cancelled, schedule.deadlineSeconds(), stagePixels, stageIterations);
        int minimum = StyleObjective.smallestSide(model, options.layers());
        long lastCheckpoint = System.nanoTime();
        try (NDManager job = extractor.newScope()) {
            NDArray x = null;
            Adam adam = null;
            RgbImage image = null;
            Losses losses = null;
            int iterations = from == null ? 0 : from.iterationsBefore();
            int evaluations = from == null ? 0 : from.evaluations();
            for (int k = from == null ? 0 : from.stage(); k < sides.size(); k++) {
                boolean last = k == sides.size() - 1;
                boolean resuming = from != null && k == from.stage();
                int[] dims = Scales.dimensions(content.width(), content.height(), sides.get(k));
                Shape shape = new Shape(1, 3, dims[1], dims[0]);
                RgbImage stageContent = ImageOps.resize(inputs.content(), dims[0], dims[1]);
                // the colours delivered with the luminance modes
                RgbImage colorContent = inputs.content() == content ? stageContent : ImageOps.resize(content, dims[0], dims[1]);
                List<RgbImage> styles = stageStyles(inputs.styles(), sides.get(k), schedule, minimum);
                List<Mask> masks = request.masks().stream().map(mask -> mask.areaResized(dims[0], dims[1])).toList();
                tracker.startStage(k);
                int done = resuming ? from.iteration() : 0;
                if (resuming) {
                    tracker.resumedAt(done);
                }
                try (NDManager stage = job.newSubManager();
                        StyleObjective objective = StyleObjective.create(extractor, stage, stageContent, styles, masks, options.layers(),
                                options.weights())) {
                    NDArray current = resuming ? stage.create(from.image(), shape)
                            : x == null ? initial(stage, stageContent, inputs.styles().get(0), optimisation) : upsample(x, dims, stage);
                    if (x != null) {
                        x.close();
                    }
                    Optimizer optimizer;
                    if (optimisation.optimizer() == OptimizerType.ADAM) {
                        // restarted: the previous stage's moments died with its scope
                        adam = resuming ? Adam.restored(stage, optimisation.learningRate(), from.adam(), shape)
                                : adam == null || !carryAdamMoments ? new Adam(stage, optimisation.learningRate()) : adam.resized(stage, dims[0], dims[1]);
                        optimizer = adam;
                    } else {
                        // resumed, its history restarts here, with what is left of the stage's evaluation budget
                        optimizer = new Lbfgs(stage, stageIterations[k], resuming ? from.stageEvaluations() : 0);
                    }
                    ImageAverage average = optimisation.averageDecay() <= 0 ? null
                            : resuming ? ImageAverage.restored(stage, from.average(), shape, optimisation.averageDecay())
                            : new ImageAverage(stage, current, optimisation.averageDecay());
                    Evaluator evaluator = new Evaluator(objective, timed(tracker));
                    int stepped = 0;
                    while (done < stageIterations[k]) {
                        NDArray next = optimizer.step(current, evaluator);
                        if (next == null) {
                            break;
                        }
                        current.close();
                        current = next;
                        done++;
                        stepped++;
                        if (average != null) {
                            average.update(current);
                        }
                        boolean preview = done % options.output().previewEvery() == 0;
                        tracker.iteration(done, evaluations + evaluator.evaluations(), optimizer.losses(),
                                preview || done == stageIterations[k]);
                        if (preview) {
                            listener.preview(deliverable(current, average, colorContent, colorMode, stage), tracker.latest());
                        }
                        if (listener.checkpointDue(System.nanoTime() - lastCheckpoint)) {
                            listener.checkpoint(new TransferCheckpoint(k, sides.size(), done, iterations, evaluations + evaluator.evaluations(),
                                    (resuming ? from.stageEvaluations() : 0) + evaluator.evaluations(), dims[0], dims[1], optimisation.optimizer(), optimisation.seed(), Checkpoints.copy(current, stage),
                                    adam == null ? null : adam.state(), average == null ? null : average.state(stage),
                                    from == null ? 0 : from.resumes() + 1));
                            lastCheckpoint = System.nanoTime();
                        }
                    }
                    iterations += done;
                    evaluations += evaluator.evaluations();
                    if (stepped > 0 && done < stageIterations[k]) {
                        // stopped early (converged): the stage's last iterate is still reported
                        tracker.iteration(done, evaluations, optimizer.losses(), true);
                    }
                    if (last) {
                        image = deliverable(current, average, colorContent, colorMode, stage);
                        // the losses of what is delivered: after colour handling, at 8 bits (luminance-only's objective sees grey)
                        losses = objective.losses(colorMode == ColorMode.LUMINANCE_ONLY ? ColorControl.luminance(image) : image, stage);
                    } else {
                        x = average != null ? average.get(job) : current;
                        x.attach(job);
                        if (adam != null && carryAdamMoments) {
                            adam.keepIn(job);
                        }
                    }
                }
            }
            TransferResult.Resumption resumed = from == null ? null : new TransferResult.Resumption(from.stage() + 1, from.iteration(),
                    from.iterationsBefore() + from.iteration(), from.resumes() + 1, optimisation.optimizer() == OptimizerType.LBFGS);
            return new TransferResult(image, image.width(), image.height(), losses, options, iterations, evaluations, resumed);
        }
    }

    /** The styles for a stage: each one's longest side its style scale times the stage's, never below what the layers need. */
    private static List<RgbImage> stageStyles(List<RgbImage> styles, int side, Schedule schedule, int minimum) {
        List<RgbImage> resized = new ArrayList<>();
        for (int s = 0; s < styles.size(); s++) {
            RgbImage style = styles.get(s);
            int styleSide = Math.max(minimum, (int) Math.round(side * schedule.styleScaleOf(s)));
            int[] styleDims = Scales.dimensions(style.width(), style.height(), styleSide);
            resized.add(ImageOps.resize(style, Math.max(styleDims[0], minimum), Math.max(styleDims[1], minimum)));
        }
        return resized;
    }

    private Evaluator.Observer timed(ProgressTracker tracker) {
        return new Evaluator.Observer() {
            private long start;

            @Override
            public void beforeEvaluation() {
                tracker.beforeEvaluation();
                start = System.nanoTime();
            }

            @Override
            public void afterEvaluation() {
                evaluationTimer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            }
        };
    }

    /** The first stage's starting image: the content, seeded uniform noise, or the first style stretched to the stage. */
    private static NDArray initial(NDManager stage, RgbImage stageContent, RgbImage firstStyle, Optimisation optimisation) {
        int w = stageContent.width();
        int h = stageContent.height();
        return switch (optimisation.init()) {
            case CONTENT -> ImageTensors.batch(stage, stageContent);
            case STYLE -> ImageTensors.batch(stage, ImageOps.resize(firstStyle, w, h));
            case NOISE -> {
                Random random = new Random(optimisation.seed());
                float[] values = new float[3 * w * h];
                for (int i = 0; i < values.length; i++) {
                    values[i] = random.nextFloat();
                }
                yield stage.create(values, new Shape(1, 3, h, w));
            }
        };
    }

    /** The previous stage's result, bicubically upsampled to this stage (NHWC for DJL's resize). */
    private static NDArray upsample(NDArray x, int[] dims, NDManager stage) {
        try (NDManager scope = stage.newSubManager()) {
            x.tempAttach(scope);
            NDArray resized = ImageTensors.clampToUnit(
                    NDImageUtils.resize(x.transpose(0, 2, 3, 1), dims[0], dims[1], Image.Interpolation.BICUBIC).transpose(0, 3, 1, 2));
            resized.attach(stage);
            return resized;
        }
    }

    /** The image as it would be delivered now: the average if one is kept, with colour handling. */
    private static RgbImage deliverable(NDArray current, ImageAverage average, RgbImage colorContent, ColorMode colorMode,
            NDManager stage) {
        RgbImage image;
        try {
            if (average == null) {
                image = ImageTensors.toImage(current);
            } else {
                try (NDManager scope = stage.newSubManager()) {
                    image = ImageTensors.toImage(average.get(scope));
                }
            }
        } catch (ArithmeticException e) {
            throw new TransferDivergedException("the image");
        }
        return ColorControl.deliver(colorMode, image, colorContent);
    }
}
