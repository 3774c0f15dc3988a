package dev.pastiche.transfer;

import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.util.NDImageUtils;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.pastiche.image.ImageOps;
import dev.pastiche.image.RgbImage;
import dev.pastiche.perception.FeatureExtractor;
import dev.pastiche.perception.ImageTensors;
import dev.pastiche.perception.ModelInfo;
import dev.pastiche.perception.PerceptionModel;
import dev.pastiche.vgg.VggVariant;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.springframework.stereotype.Component;

/**
 * Neural style transfer (Gatys, Ecker &amp; Bethge, "Image Style Transfer Using Convolutional Neural
 * Networks", CVPR 2016) on the frozen extractor: optimises the image against content, Gram-style
 * and TV losses, coarse to fine over {@code scales} stages. One run at a time per process, because
 * PyTorch allows one gradient collector per JVM; scoring may run beside it.
 */
@Component
public class StyleTransferEngine {

    /** Changes whenever the same inputs, options and weights could give a different image. */
    public static final String VERSION = "pastiche-transfer/1";

    private final PerceptionModel model;
    private final TransferProperties properties;
    private final Timer evaluationTimer;
    private final ReentrantLock running = new ReentrantLock(true);

    public StyleTransferEngine(PerceptionModel model, TransferProperties properties, MeterRegistry meters) {
        this.model = model;
        this.properties = properties;
        this.evaluationTimer = Timer.builder("pastiche.transfer.step")
                .description("One objective evaluation (forward and backward) of a style transfer").register(meters);
    }

    /**
     * What besides the inputs and options decides a result: the engine version, the network and its
     * weights, the device and PyTorch version. Recorded with every finished job.
     */
    public Map<String, Object> environment() {
        ModelInfo info = model.info();
        Map<String, Object> environment = new LinkedHashMap<>();
        environment.put("engine", VERSION);
        environment.put("variant", info.variant().id());
        environment.put("weights", info.weights());
        environment.put("device", info.device());
        environment.put("pytorch", ai.djl.engine.Engine.getEngine("PyTorch").getVersion());
        return environment;
    }

    /** Validates options and fills in their defaults, without running anything. */
    public ResolvedOptions resolve(TransferOptions options, int styleCount) {
        return options.resolve(styleCount, properties, model.variant(), model.contentLayer(), model.styleLayers());
    }

    /**
     * Checks a run's estimated peak memory against {@code pastiche.transfer.memory-budget} before it
     * starts; returns the options to run (smaller, if they ask for {@code downscaleToFit}).
     *
     * @throws TransferTooLargeException when it does not fit and may not be downscaled
     * @throws InvalidOptionsException when a stage would be too small for the layers
     */
    public ResolvedOptions admit(ResolvedOptions options, int contentWidth, int contentHeight) {
        long budget = properties.memoryBudget().toBytes();
        long need = peakBytes(options, contentWidth, contentHeight);
        ResolvedOptions admitted = options;
        if (need > budget) {
            int low = TransferOptions.SMALLEST_SIZE - 1;
            int high = options.size();
            while (high - low > 1) {
                int mid = (low + high) >>> 1;
                if (peakBytes(options.withSize(mid), contentWidth, contentHeight) <= budget) {
                    low = mid;
                } else {
                    high = mid;
                }
            }
            if (!options.downscaleToFit() || low < TransferOptions.SMALLEST_SIZE) {
                throw new TransferTooLargeException(need, budget, options.size(), Math.max(low, 0));
            }
            admitted = options.withSize(low);
        }
        checkStagesLargeEnough(admitted, contentWidth, contentHeight);
        return admitted;
    }

    /** The largest stage's estimate. */
    public long peakBytes(ResolvedOptions options, int contentWidth, int contentHeight) {
        long peak = 0;
        for (int side : Scales.longestSides(options.size(), options.scales(), options.minSize())) {
            int[] dims = Scales.dimensions(contentWidth, contentHeight, side);
            peak = Math.max(peak, MemoryEstimate.bytes(model.variant(), dims[0], dims[1], options));
        }
        return peak;
    }

    private void checkStagesLargeEnough(ResolvedOptions options, int contentWidth, int contentHeight) {
        int need = minimumSide(options);
        int side = Scales.longestSides(options.size(), options.scales(), options.minSize()).get(0);
        int[] dims = Scales.dimensions(contentWidth, contentHeight, side);
        if (Math.min(dims[0], dims[1]) < need) {
            throw new InvalidOptionsException(List.of(new InvalidOptionsException.FieldError("size",
                    "the content's shorter side would be " + Math.min(dims[0], dims[1]) + " px at the smallest stage, but the layers need "
                            + need + " px; raise size or minSize, or use a less elongated content image")));
        }
    }

    private int minimumSide(ResolvedOptions options) {
        VggVariant variant = model.variant();
        int need = variant.minInputSide(options.contentLayer());
        for (String layer : options.styleLayers()) {
            need = Math.max(need, variant.minInputSide(layer));
        }
        return need;
    }

    /**
     * Runs a style transfer to the end; blocks while another run holds the engine.
     *
     * @param cancelled polled before every evaluation
     * @throws TransferCancelledException when {@code cancelled} turned true (or the thread was interrupted)
     * @throws TransferDeadlineException when {@code deadlineSeconds} passed
     */
    public TransferResult run(TransferRequest request, TransferListener listener, BooleanSupplier cancelled) {
        ResolvedOptions options = admit(resolve(request.options(), request.styles().size()),
                request.content().width(), request.content().height());
        FeatureExtractor extractor = model.extractor();
        try {
            running.lockInterruptibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransferCancelledException();
        }
        try {
            return optimise(extractor, request, options, listener, cancelled);
        } finally {
            running.unlock();
        }
    }

    private TransferResult optimise(FeatureExtractor extractor, TransferRequest request, ResolvedOptions options,
            TransferListener listener, BooleanSupplier cancelled) {
        RgbImage content = request.content();
        List<Integer> sides = Scales.longestSides(options.size(), options.scales(), options.minSize());
        long[] stagePixels = new long[sides.size()];
        for (int k = 0; k < sides.size(); k++) {
            int[] dims = Scales.dimensions(content.width(), content.height(), sides.get(k));
            stagePixels[k] = (long) dims[0] * dims[1];
        }
        ProgressTracker tracker = new ProgressTracker(listener, cancelled, options.deadlineSeconds(), stagePixels, options.iterations());
        int minimum = minimumSide(options);
        try (NDManager job = extractor.newScope()) {
            NDArray x = null;
            RgbImage stageContent = null;
            Losses losses = null;
            int evaluations = 0;
            for (int k = 0; k < sides.size(); k++) {
                int[] dims = Scales.dimensions(content.width(), content.height(), sides.get(k));
                stageContent = ImageOps.resize(content, dims[0], dims[1]);
                int styleSide = Math.max(minimum, (int) Math.round(sides.get(k) * options.styleScale()));
                List<RgbImage> styles = new ArrayList<>();
                for (RgbImage style : request.styles()) {
                    int[] styleDims = Scales.dimensions(style.width(), style.height(), styleSide);
                    styles.add(ImageOps.resize(style, Math.max(styleDims[0], minimum), Math.max(styleDims[1], minimum)));
                }
                tracker.startStage(k);
                try (NDManager stage = job.newSubManager();
                        Objective objective = Objective.create(extractor, stage, stageContent, styles, options)) {
                    NDArray current = x == null ? initial(stage, stageContent, request.styles().get(0), options) : upsample(x, dims, stage);
                    if (x != null) {
                        x.close();
                    }
                    Evaluator evaluator = new Evaluator(objective, timed(tracker));
                    Optimizer optimizer = options.optimizer() == OptimizerType.ADAM ? new Adam(stage, options.learningRate()) : new Lbfgs(stage);
                    int previews = 0;
                    while (evaluator.evaluations() < options.iterations()) {
                        NDArray next = optimizer.step(current, evaluator);
                        if (next == null) {
                            break;
                        }
                        current.close();
                        current = next;
                        if (evaluator.evaluations() / options.previewEvery() > previews) {
                            previews = evaluator.evaluations() / options.previewEvery();
                            listener.preview(finish(current, stageContent, options), tracker.latest());
                        }
                    }
                    evaluations += evaluator.evaluations();
                    if (k == sides.size() - 1) {
                        try (NDManager scope = stage.newSubManager()) {
                            losses = objective.losses(current, scope);
                        }
                    }
                    current.attach(job);
                    x = current;
                }
            }
            RgbImage image = finish(x, stageContent, options);
            return new TransferResult(image, image.width(), image.height(), losses, options, evaluations);
        }
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
            public void afterEvaluation(int evaluations, Losses losses) {
                evaluationTimer.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
                tracker.afterEvaluation(evaluations, losses);
            }
        };
    }

    /** The first stage's starting image: the content, seeded uniform noise, or the first style stretched to the stage. */
    private static NDArray initial(NDManager stage, RgbImage stageContent, RgbImage firstStyle, ResolvedOptions options) {
        int w = stageContent.width();
        int h = stageContent.height();
        return switch (options.init()) {
            case CONTENT -> ImageTensors.batch(stage, stageContent);
            case STYLE -> ImageTensors.batch(stage, ImageOps.resize(firstStyle, w, h));
            case NOISE -> {
                Random random = new Random(options.seed());
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
            NDArray resized = NDImageUtils.resize(x.transpose(0, 2, 3, 1), dims[0], dims[1], Image.Interpolation.BICUBIC)
                    .transpose(0, 3, 1, 2).clip(0, 1);
            resized.attach(stage);
            return resized;
        }
    }

    private static RgbImage finish(NDArray x, RgbImage stageContent, ResolvedOptions options) {
        RgbImage image = ImageTensors.toImage(x);
        return options.preserveColors() ? ColorPreservation.apply(image, stageContent) : image;
    }
}
