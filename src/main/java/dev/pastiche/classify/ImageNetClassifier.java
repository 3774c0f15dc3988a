package dev.pastiche.classify;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.pastiche.image.RgbImage;
import dev.pastiche.perception.FeatureExtractor;
import dev.pastiche.perception.ModelInfo;
import dev.pastiche.perception.ModelUnavailableException;
import dev.pastiche.perception.PerceptionModel;
import dev.pastiche.perception.PerceptualScorer;
import dev.pastiche.vgg.VggClassifier;
import dev.pastiche.vgg.weights.ClassifierWeights;
import dev.pastiche.vgg.weights.WeightsException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * The whole pretrained VGG as an ImageNet classifier: the extractor's convolutions, then the
 * classifier layers read from the same weights (~500 MB for VGG19's 123.6 M parameters). They are
 * loaded only when asked for and only where they exist: from a weights file once the service is
 * ready (so its memory is taken before traffic comes), from the random source on first use (tests
 * and demos that never classify never pay for them). A file without a classifier leaves the rest
 * of the service as it is; only classification answers 503, saying why. Forward passes run on the
 * scoring threads, batched with requests like them.
 */
@Component
public class ImageNetClassifier implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ImageNetClassifier.class);

    /** Images per forward pass when {@link #fc7(List)} is given many. */
    static final int CHUNK = 4;

    /** The loaded layers, or why there are none. */
    private record Head(NDManager manager, Map<String, NDArray> weights, Classification.ClassifierInfo info, String unavailable) {
    }

    private final PerceptionModel model;
    private final PerceptualScorer scorer;
    private final Timer timer;
    private final Object loading = new Object();
    private volatile Head head;
    private boolean closed;

    public ImageNetClassifier(PerceptionModel model, PerceptualScorer scorer, MeterRegistry meters) {
        this.model = model;
        this.scorer = scorer;
        this.timer = Timer.builder("pastiche.classification").description("Classification latency, including the wait for a forward pass")
                .register(meters);
    }

    /** A pretrained file's classifier is loaded as soon as the service is up, beside the traffic rather than in its way. */
    @EventListener(ApplicationReadyEvent.class)
    public void preload() {
        if (!model.ready() || model.untrainedSource() != null) {
            return;
        }
        Thread thread = new Thread(() -> {
            try {
                head();
            } catch (RuntimeException e) {
                log.warn("Loading the classifier failed: {}", e.getMessage());
            }
        }, "pastiche-classifier-load");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * The classifier's state without loading it: {@code loaded} (with its keys), {@code unavailable}
     * (with the reason), or {@code not-loaded} (random weights before first use, or a file still loading).
     */
    public Status status() {
        Head loaded = head;
        if (loaded == null) {
            return new Status("not-loaded", null, null);
        }
        return loaded.unavailable() != null ? new Status("unavailable", null, loaded.unavailable())
                : new Status("loaded", loaded.info().keys(), null);
    }

    public record Status(String state, String keys, String reason) {
    }

    /** Whether classification can answer; loads the classifier if it was not tried yet. */
    public boolean available() {
        try {
            head();
            return true;
        } catch (ModelUnavailableException e) {
            return false;
        }
    }

    /** Why there is no classifier, or null when there is one; loads it if it was not tried yet. */
    public String unavailableReason() {
        try {
            head();
            return null;
        } catch (ModelUnavailableException e) {
            return e.getMessage();
        }
    }

    /**
     * The {@code top} most probable classes of the image after {@link EvalTransform}.
     *
     * @throws ModelUnavailableException when there is no classifier, saying why
     */
    public Classification classify(RgbImage image, int top) {
        if (top < 1 || top > ImageNetClasses.all().size()) {
            throw new IllegalArgumentException("top must be 1 to " + ImageNetClasses.all().size() + ", got " + top);
        }
        Head loaded = head();
        RgbImage crop = EvalTransform.apply(image);
        String tap = lastTap();
        float[] probabilities = timer.record(() -> scorer.withTaps(List.of(crop), Set.of(tap), taps -> {
            NDArray pooled = VggClassifier.pooled(taps.get(tap));
            NDArray fc7 = VggClassifier.fc7(pooled, loaded.weights());
            NDArray logits = VggClassifier.logits(fc7, loaded.weights());
            // every array here lives in the batch's scope, freed when this returns
            return logits.softmax(1).toFloatArray();
        }));
        List<Classification.Prediction> predictions = IntStream.range(0, probabilities.length).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> -probabilities[i]).thenComparing(i -> i))
                .limit(top)
                .map(i -> {
                    ImageNetClasses.ImageNetClass c = ImageNetClasses.of(i);
                    return new Classification.Prediction(i, c.wnid(), c.label(), probabilities[i]);
                })
                .toList();
        ModelInfo info = model.info();
        return new Classification(predictions, info.variant().id(), info.weights(), loaded.info());
    }

    /**
     * The classifier's fc7 activations (the second fully connected layer after its ReLU, 4096 per
     * image) for images already cut to 224×224 (by {@link EvalTransform#apply}), in forward passes
     * of {@value #CHUNK} images on the scoring threads.
     *
     * @return one row of 4096 values per image, in order
     * @throws ModelUnavailableException when there is no classifier, saying why
     */
    public float[][] fc7(List<RgbImage> crops) {
        for (RgbImage crop : crops) {
            if (crop.width() != EvalTransform.CROP || crop.height() != EvalTransform.CROP) {
                throw new IllegalArgumentException("fc7 needs " + EvalTransform.CROP + "×" + EvalTransform.CROP + " images (EvalTransform.apply), got "
                        + crop.width() + "×" + crop.height());
            }
        }
        Head loaded = head();
        String tap = lastTap();
        List<float[]> rows = new ArrayList<>();
        for (int from = 0; from < crops.size(); from += CHUNK) {
            List<RgbImage> chunk = crops.subList(from, Math.min(crops.size(), from + CHUNK));
            float[] flat = scorer.withTaps(chunk, Set.of(tap), taps -> {
                NDArray pooled = VggClassifier.pooled(taps.get(tap));
                return VggClassifier.fc7(pooled, loaded.weights()).toFloatArray();
            });
            int width = flat.length / chunk.size();
            for (int i = 0; i < chunk.size(); i++) {
                rows.add(Arrays.copyOfRange(flat, i * width, (i + 1) * width));
            }
        }
        return rows.toArray(float[][]::new);
    }

    /** The deepest convolution's tap, whose pool feeds the classifier ({@code block5_conv4} of VGG19). */
    private String lastTap() {
        List<String> taps = model.variant().tapNames();
        return taps.get(taps.size() - 1);
    }

    private Head head() {
        Head loaded = head;
        if (loaded == null) {
            synchronized (loading) {
                if (closed) {
                    throw new ModelUnavailableException("the service is shutting down");
                }
                if (head == null) {
                    head = load(model.extractor());
                }
                loaded = head;
            }
        }
        if (loaded.unavailable() != null) {
            throw new ModelUnavailableException(loaded.unavailable());
        }
        return loaded;
    }

    private static Head load(FeatureExtractor extractor) {
        long start = System.nanoTime();
        NDManager manager = NDManager.newBaseManager(extractor.device());
        try {
            ClassifierWeights weights = ClassifierWeights.load(extractor.weightsDigest(), manager);
            log.info("ImageNet classifier loaded ({} keys) in {} ms", weights.layout(), (System.nanoTime() - start) / 1_000_000);
            return new Head(manager, weights.tensors(), new Classification.ClassifierInfo(weights.layout(), !weights.layout().equals("random")),
                    null);
        } catch (WeightsException e) {
            manager.close();
            log.warn("No ImageNet classifier: {}", e.getMessage());
            return new Head(null, null, null, "No ImageNet classifier is loaded: " + e.getMessage());
        } catch (OutOfMemoryError e) {
            // the weights are read into direct buffers, bounded by -XX:MaxDirectMemorySize (by default the heap's maximum)
            manager.close();
            log.error("The ImageNet classifier does not fit in memory: {}", e.getMessage());
            return new Head(null, null, null, "The ImageNet classifier (about 500 MB) does not fit in this process's memory ("
                    + e.getMessage() + "): raise -XX:MaxDirectMemorySize or the heap's maximum, which bounds it by default");
        } catch (RuntimeException | Error e) {
            manager.close();
            throw e;
        }
    }

    @Override
    public void close() {
        synchronized (loading) {
            closed = true;
            if (head != null && head.manager() != null) {
                head.manager().close();
            }
        }
    }
}
