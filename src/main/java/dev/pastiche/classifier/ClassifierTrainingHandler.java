package dev.pastiche.classifier;

import dev.pastiche.image.ImageDecoder;
import dev.pastiche.image.ImageRejectedException;
import dev.pastiche.image.RgbImage;
import dev.pastiche.perception.ModelUnavailableException;
import dev.pastiche.perception.PerceptionModel;
import dev.pastiche.storage.BlobStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.jobrunr.jobs.annotations.Job;
import org.jobrunr.jobs.lambdas.JobRequestHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Trains one classifier on this node's worker, on the same JobRunr queue as style transfers (one
 * worker per process, and the gradient lock besides): features are extracted once per image, in
 * batches, then the head is trained on them, measured on the training and held-out images, and
 * stored. A classifier deleted meanwhile stops at the next batch or step and leaves nothing behind.
 */
@Component
public class ClassifierTrainingHandler implements JobRequestHandler<ClassifierTrainingRequest> {

    private static final Logger log = LoggerFactory.getLogger(ClassifierTrainingHandler.class);
    /** Progress is written at most this often while the head trains (each write is a row update). */
    private static final long PROGRESS_INTERVAL_NANOS = 500_000_000L;
    /** The share of {@code fraction} extraction counts for. */
    private static final double EXTRACTION_SHARE = 0.8;

    private final ClassifierRepository classifiers;
    private final ClassifierService service;
    private final BlobStore blobs;
    private final ImageDecoder decoder;
    private final Features features;
    private final PerceptionModel model;
    private final ClassifiersProperties properties;

    ClassifierTrainingHandler(ClassifierRepository classifiers, ClassifierService service, BlobStore blobs, ImageDecoder decoder,
            Features features, PerceptionModel model, ClassifiersProperties properties) {
        this.classifiers = classifiers;
        this.service = service;
        this.blobs = blobs;
        this.decoder = decoder;
        this.features = features;
        this.model = model;
        this.properties = properties;
    }

    /** The classifier was deleted while it trained. */
    private static final class Deleted extends RuntimeException {
        Deleted() {
            super("deleted");
        }
    }

    @Override
    @Job(name = "classifier %0", retries = 3)
    public void run(ClassifierTrainingRequest request) {
        UUID id = request.classifierId();
        ClassifierRecord classifier = classifiers.find(id).orElse(null);
        if (classifier == null || classifier.status().finished() || !classifiers.start(id, Instant.now())) {
            return;
        }
        long start = System.nanoTime();
        String imagesBlob = classifier.imagesBlob();
        try {
            train(classifier, start);
        } catch (Deleted | HeadTrainer.Cancelled e) {
            log.info("Classifier {} was deleted while it trained", id);
        } catch (ImageRejectedException e) {
            classifiers.fail(id, Instant.now(), "invalid-image", e.getMessage());
        } catch (ModelUnavailableException e) {
            classifiers.fail(id, Instant.now(), "model-unavailable", e.getMessage());
        } catch (RuntimeException e) {
            // not retried: a retry would meet the same fault; crashes of the process are what retries are for
            log.error("Classifier {} failed", id, e);
            classifiers.fail(id, Instant.now(), "internal", "the training failed unexpectedly; it has been logged");
        }
        // the images are needed only until the features are extracted and the head trained
        service.release(imagesBlob);
    }

    private void train(ClassifierRecord classifier, long start) {
        UUID id = classifier.id();
        ClassifierOptions options = classifier.options();
        int n = classifier.labels().length;
        byte[] packed = blobs.get(classifier.imagesBlob())
                .orElseThrow(() -> new IllegalStateException("the images of classifier " + id + " are missing"));
        List<float[]> vectors = new ArrayList<>(n);
        TrainingSet.unpack(packed, properties.featureBatch(), batch -> {
            if (!classifiers.exists(id)) {
                throw new Deleted();
            }
            List<RgbImage> decoded = new ArrayList<>();
            for (byte[] image : batch) {
                decoded.add(decoder.decode(image, "image " + (vectors.size() + decoded.size()) + " (in upload order)"));
            }
            vectors.addAll(List.of(features.extract(decoded, options.featureLayer())));
            classifiers.progress(id, new TrainingProgress("extracting", vectors.size(), n, 0, options.epochs(),
                    EXTRACTION_SHARE * vectors.size() / n, null));
        });
        float[][] all = vectors.toArray(float[][]::new);
        int[] labels = classifier.labels();
        int classes = classifier.classes().size();
        Split split = classifier.split();
        Head head = new Head(options.head(), options.hiddenUnits(), all[0].length, classes);
        float[][] trainX = rows(all, split.training());
        int[] trainY = pick(labels, split.training());
        double[] lastLoss = {Double.NaN};
        long[] lastWrite = {System.nanoTime()};
        byte[] weights = HeadTrainer.train(head, trainX, trainY, options, model.extractor().device(), (epoch, loss) -> {
            lastLoss[0] = loss;
            if (System.nanoTime() - lastWrite[0] >= PROGRESS_INTERVAL_NANOS || epoch == options.epochs()) {
                lastWrite[0] = System.nanoTime();
                classifiers.progress(id, new TrainingProgress("training", n, n, epoch, options.epochs(),
                        EXTRACTION_SHARE + (1 - EXTRACTION_SHARE) * epoch / options.epochs(), loss));
            }
        }, deletedCheck(id));
        double trainingAccuracy = accuracy(head.probabilities(weights, trainX, model.extractor().device()), trainY, null);
        Double heldOutAccuracy = null;
        int[][] confusion = new int[classes][classes];
        if (split.heldOut().length > 0) {
            heldOutAccuracy = accuracy(head.probabilities(weights, rows(all, split.heldOut()), model.extractor().device()),
                    pick(labels, split.heldOut()), confusion);
        }
        TrainingReport report = new TrainingReport(head.inputs(), trainingAccuracy, heldOutAccuracy, confusion,
                lastLoss[0], (System.nanoTime() - start) / 1e9);
        String headBlob = blobs.put(weights);
        TrainingProgress done = new TrainingProgress("training", n, n, options.epochs(), options.epochs(), 1.0, lastLoss[0]);
        if (!classifiers.succeed(id, Instant.now(), headBlob, done, report)) {
            service.release(headBlob);
            throw new Deleted();
        }
        log.info("Classifier {} trained: {} images, {} classes, held-out accuracy {}", id, n, classes, heldOutAccuracy);
    }

    /** Whether the classifier is gone, asked of the database at most every progress interval (a training step takes about a millisecond). */
    private BooleanSupplier deletedCheck(UUID id) {
        long[] lastCheck = {System.nanoTime()};
        return () -> {
            if (System.nanoTime() - lastCheck[0] < PROGRESS_INTERVAL_NANOS) {
                return false;
            }
            lastCheck[0] = System.nanoTime();
            return !classifiers.exists(id);
        };
    }

    /** The share predicted right; counts each (true, predicted) pair into {@code confusion} when given. */
    private static double accuracy(float[][] probabilities, int[] truth, int[][] confusion) {
        int right = 0;
        for (int i = 0; i < truth.length; i++) {
            int best = 0;
            for (int c = 1; c < probabilities[i].length; c++) {
                if (probabilities[i][c] > probabilities[i][best]) {
                    best = c;
                }
            }
            right += best == truth[i] ? 1 : 0;
            if (confusion != null) {
                confusion[truth[i]][best]++;
            }
        }
        return (double) right / truth.length;
    }

    private static float[][] rows(float[][] all, int[] indices) {
        float[][] out = new float[indices.length][];
        for (int i = 0; i < indices.length; i++) {
            out[i] = all[indices[i]];
        }
        return out;
    }

    private static int[] pick(int[] values, int[] indices) {
        int[] out = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            out[i] = values[indices[i]];
        }
        return out;
    }
}
