package dev.pastiche.web;

import dev.pastiche.classifier.ClassifierOptions;
import dev.pastiche.classifier.ClassifierRecord;
import dev.pastiche.classifier.TrainingProgress;
import dev.pastiche.classifier.TrainingReport;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** A transfer-learning classifier as the API shows it. */
record ClassifierView(UUID id, String status, Instant createdAt, Instant startedAt, Instant finishedAt, ClassifierOptions options,
        List<ClassCount> classes, TrainingProgress progress, Accuracy accuracy, ConfusionMatrix confusionMatrix, Double finalLoss,
        Error error, Links links) {

    /** A class: its images, and how many of them are trained on and held out. */
    record ClassCount(String label, int images, int training, int heldOut) {
    }

    /** The share classified right; {@code heldOut} is null when nothing was held out. */
    record Accuracy(double training, Double heldOut) {
    }

    /** Over the held-out images: {@code counts[t][p]} images of class {@code labels[t]} predicted as {@code labels[p]}. */
    record ConfusionMatrix(List<String> labels, int[][] counts) {
    }

    record Error(String type, String detail) {
    }

    @Schema(name = "ClassifierLinks")
    record Links(String self, String predictions) {
    }

    static ClassifierView of(ClassifierRecord c) {
        int[] counts = c.counts();
        int[] heldOut = c.heldOutCounts();
        List<ClassCount> classes = new ArrayList<>();
        for (int i = 0; i < counts.length; i++) {
            classes.add(new ClassCount(c.classes().get(i), counts[i], counts[i] - heldOut[i], heldOut[i]));
        }
        TrainingReport report = c.report();
        String self = "/v1/classifiers/" + c.id();
        return new ClassifierView(c.id(), c.status().label(), c.createdAt(), c.startedAt(), c.finishedAt(), c.options(), classes,
                c.progress(), report == null ? null : new Accuracy(report.trainingAccuracy(), report.heldOutAccuracy()),
                report == null || report.heldOutAccuracy() == null ? null : new ConfusionMatrix(c.classes(), report.confusionMatrix()),
                report == null ? null : report.finalLoss(),
                c.errorType() == null ? null : new Error(c.errorType(), c.errorDetail()),
                new Links(self, self + "/predictions"));
    }
}
