package dev.pastiche.classifier;

import dev.pastiche.image.ImageDecoder;
import dev.pastiche.image.ImageProperties;
import dev.pastiche.image.ImageRejectedException;
import dev.pastiche.image.RgbImage;
import dev.pastiche.perception.PerceptionModel;
import dev.pastiche.storage.BlobStore;
import java.io.InputStream;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import org.jobrunr.scheduling.JobRequestScheduler;
import org.springframework.stereotype.Service;

/**
 * Transfer-learning classifiers (issue 17): submission (everything checked before anything is
 * stored, images unread until the job), lookup by owner, predictions, deletion.
 */
@Service
public class ClassifierService {

    /** A prediction: a class and the head's softmax probability for it. */
    public record Prediction(String label, double probability) {
    }

    private final ClassifierRepository classifiers;
    private final BlobStore blobs;
    private final ImageDecoder decoder;
    private final ImageProperties images;
    private final Features features;
    private final PerceptionModel model;
    private final JobRequestScheduler scheduler;
    private final ClassifiersProperties properties;

    ClassifierService(ClassifierRepository classifiers, BlobStore blobs, ImageDecoder decoder, ImageProperties images, Features features,
            PerceptionModel model, JobRequestScheduler scheduler, ClassifiersProperties properties) {
        this.classifiers = classifiers;
        this.blobs = blobs;
        this.decoder = decoder;
        this.images = images;
        this.features = features;
        this.model = model;
        this.scheduler = scheduler;
        this.properties = properties;
    }

    public ClassifiersProperties limits() {
        return properties;
    }

    /** Images as multipart parts: the i-th label for the i-th image. */
    public ClassifierRecord submitParts(String owner, List<String> labels, List<byte[]> images, ClassifierOptions options) {
        ClassifierOptions resolved = checkOptions(options);
        return submit(owner, TrainingSet.fromParts(labels, images, properties), resolved);
    }

    /** Images as one zip of folders named by label, read as it streams. */
    public ClassifierRecord submitZip(String owner, InputStream zip, ClassifierOptions options) {
        ClassifierOptions resolved = checkOptions(options);
        return submit(owner, TrainingSet.fromZip(zip, properties), resolved);
    }

    private ClassifierOptions checkOptions(ClassifierOptions options) {
        ClassifierOptions resolved = (options == null ? ClassifierOptions.defaults() : options).resolve();
        features.check(resolved.featureLayer());
        return resolved;
    }

    private ClassifierRecord submit(String owner, TrainingSet set, ClassifierOptions options) {
        // sizes from the headers only: decoding waits for the worker
        for (int i = 0; i < set.images().size(); i++) {
            String name = set.names().get(i);
            long pixels = decoder.declaredPixels(set.images().get(i), name);
            if (pixels > images.maxPixels()) {
                throw new ImageRejectedException(ImageRejectedException.Reason.TOO_LARGE, name + " has " + pixels
                        + " pixels, more than pastiche.image.max-pixels (" + images.maxPixels() + "); send smaller images");
            }
        }
        if (classifiers.countQueued() >= properties.maxQueued()) {
            throw new ClassifierQueueFullException(properties.maxQueued());
        }
        String imagesBlob = blobs.put(set.pack());
        UUID id = UUID.randomUUID();
        ClassifierRecord classifier = new ClassifierRecord(id, owner, ClassifierStatus.QUEUED, Instant.now().truncatedTo(ChronoUnit.MICROS),
                null, null, options, set.classes(), set.labels(), imagesBlob, null, null, null, null, null);
        if (!classifiers.insertIfRoom(classifier, properties.maxQueued())) {
            // the queue filled up since the check above; the images just stored stay for the orphan sweep
            throw new ClassifierQueueFullException(properties.maxQueued());
        }
        scheduler.enqueue(id, new ClassifierTrainingRequest(id));
        return classifier;
    }

    /** @throws ClassifierNotFoundException when there is none, or it is another key's */
    public ClassifierRecord get(String owner, UUID id) {
        return classifiers.find(id).filter(c -> c.owner().equals(owner)).orElseThrow(() -> new ClassifierNotFoundException(id));
    }

    /**
     * Every class with its probability, most probable first.
     *
     * @throws ClassifierNotReadyException before the head has been trained
     */
    public List<Prediction> predict(String owner, UUID id, byte[] image) {
        ClassifierRecord classifier = get(owner, id);
        if (classifier.status() != ClassifierStatus.SUCCEEDED) {
            throw new ClassifierNotReadyException("classifier " + id + " is " + classifier.status().label()
                    + "; it predicts once its training has succeeded");
        }
        RgbImage decoded = decoder.decode(image, "image");
        byte[] weights = blobs.get(classifier.headBlob())
                .orElseThrow(() -> new IllegalStateException("head blob of classifier " + id + " is missing"));
        float[][] vector = features.extract(List.of(decoded), classifier.options().featureLayer());
        float[] probabilities = head(classifier).probabilities(weights, vector, model.extractor().device())[0];
        List<Prediction> predictions = new ArrayList<>();
        for (int c = 0; c < probabilities.length; c++) {
            predictions.add(new Prediction(classifier.classes().get(c), probabilities[c]));
        }
        predictions.sort(Comparator.comparingDouble(Prediction::probability).reversed());
        return predictions;
    }

    static Head head(ClassifierRecord classifier) {
        return new Head(classifier.options().head(), classifier.options().hiddenUnits(), classifier.report().inputs(),
                classifier.classes().size());
    }

    /** Removes the classifier, stops its training if it runs, and frees its blobs unless another classifier shares them. */
    public void delete(String owner, UUID id) {
        ClassifierRecord classifier = get(owner, id);
        classifiers.delete(id);
        try {
            scheduler.delete(id);
        } catch (org.jobrunr.storage.JobNotFoundException e) {
            // JobRunr already forgot it
        }
        release(classifier.imagesBlob());
        release(classifier.headBlob());
    }

    /** Deletes the blob unless a classifier still refers to it. */
    void release(String blob) {
        if (blob != null && !classifiers.referenced(blob)) {
            blobs.delete(blob);
        }
    }
}
