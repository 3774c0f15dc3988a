package dev.pastiche.web;

import dev.pastiche.classifier.ClassifierOptions;
import dev.pastiche.classifier.ClassifierRecord;
import dev.pastiche.classifier.ClassifierService;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.exc.UnrecognizedPropertyException;
import tools.jackson.databind.json.JsonMapper;

/** Transfer learning (issue 17): heads trained on the frozen network's features, as asynchronous jobs. */
@Tag(name = "classifiers", description = "Transfer learning: new classifiers trained on the frozen VGG's features")
@RestController
@RequestMapping("/v1/classifiers")
class ClassifierController {

    /** Predictions as API.md shows them: every class, most probable first. */
    record Predictions(List<ClassifierService.Prediction> predictions) {
    }

    private final ClassifierService service;
    private final JsonMapper optionsReader;

    ClassifierController(ClassifierService service, JsonMapper json) {
        this.service = service;
        // options are typed by users: a misspelt field is an error rather than a silent default
        this.optionsReader = json.rebuild().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
    }

    @Operation(operationId = "createClassifier", summary = "Train a classifier on labelled images", description = "multipart: either image parts (PNG or JPEG) each with "
            + "a label form field, the i-th label naming the i-th image's class, or one zip part holding one folder per class, named by "
            + "its label, with that class's .png/.jpg/.jpeg files directly inside; and options (application/json, optional: "
            + "featureLayer block5_pool|fc7, heldOutFraction, epochs, regularisation, head linear|mlp, hiddenUnits, learningRate, "
            + "batchSize, seed). 2–100 classes, up to 5,000 images (pastiche.classifiers.*). 202 with the classifier; it trains on "
            + "the job queue.")
    @ApiResponse(responseCode = "202", description = "Queued: the classifier",
            headers = @Header(name = "Location", description = "The classifier: /v1/classifiers/{id}", schema = @Schema(type = "string")))
    @Problems({ProblemType.QUEUE_FULL, ProblemType.MODEL_UNAVAILABLE, ProblemType.STORAGE_UNAVAILABLE})
    @PostMapping(consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    ResponseEntity<ClassifierView> create(@RequestPart(value = "image", required = false) List<MultipartFile> images,
            @RequestParam(value = "label", required = false) List<String> labels,
            @RequestPart(value = "zip", required = false) @PartMediaType("application/zip") MultipartFile zip,
            @RequestPart(value = "options", required = false) @JsonPart(OpenApiContract.CLASSIFIER_OPTIONS) String options,
            @RequestAttribute(ApiKeyFilter.OWNER) String owner) {
        boolean hasImages = images != null && !images.isEmpty();
        if (hasImages == (zip != null)) {
            throw ApiProblemException.invalidField(hasImages ? "zip" : "image",
                    "send either image parts with a label each, or one zip of folders named by label, not " + (hasImages ? "both" : "neither"));
        }
        ClassifierOptions parsed = parse(options);
        ClassifierRecord classifier;
        if (zip != null) {
            try (InputStream in = zip.getInputStream()) {
                classifier = service.submitZip(owner, in, parsed);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        } else {
            if (images.size() > service.limits().maxImages()) {
                throw ApiProblemException.invalidField("image", "send at most " + service.limits().maxImages() + " images, got " + images.size());
            }
            List<byte[]> bytes = new ArrayList<>();
            images.forEach(image -> bytes.add(bytes(image)));
            classifier = service.submitParts(owner, labels == null ? List.of() : labels, bytes, parsed);
        }
        return ResponseEntity.status(HttpStatus.ACCEPTED).location(URI.create("/v1/classifiers/" + classifier.id()))
                .body(ClassifierView.of(classifier));
    }

    @Operation(operationId = "getClassifier", summary = "A classifier: status, progress, per-class counts, training and held-out accuracy, confusion matrix")
    @Problems(ProblemType.STORAGE_UNAVAILABLE)
    @GetMapping("/{id}")
    ClassifierView get(@PathVariable UUID id, @RequestAttribute(ApiKeyFilter.OWNER) String owner) {
        return ClassifierView.of(service.get(owner, id));
    }

    @Operation(operationId = "predictWithClassifier", summary = "Classify an image with a trained classifier", description = "multipart: image. Every class with its "
            + "probability, most probable first; 409 not-ready before the training has succeeded")
    @Problems({ProblemType.NOT_READY, ProblemType.STORAGE_UNAVAILABLE})
    @PostMapping(path = "/{id}/predictions", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    Predictions predict(@PathVariable UUID id, @RequestPart("image") MultipartFile image, @RequestAttribute(ApiKeyFilter.OWNER) String owner) {
        return new Predictions(service.predict(owner, id, bytes(image)));
    }

    @Operation(operationId = "deleteClassifier", summary = "Delete a classifier (stops its training if it runs)")
    @ApiResponse(responseCode = "204", description = "Deleted")
    @Problems(ProblemType.STORAGE_UNAVAILABLE)
    @DeleteMapping("/{id}")
    ResponseEntity<Void> delete(@PathVariable UUID id, @RequestAttribute(ApiKeyFilter.OWNER) String owner) {
        service.delete(owner, id);
        return ResponseEntity.noContent().build();
    }

    private ClassifierOptions parse(String options) {
        if (options == null || options.isBlank()) {
            return ClassifierOptions.defaults();
        }
        try {
            return optionsReader.readValue(options, ClassifierOptions.class);
        } catch (UnrecognizedPropertyException e) {
            throw ApiProblemException.invalidField("options", "unknown option '" + e.getPropertyName() + "'");
        } catch (JacksonException e) {
            throw ApiProblemException.invalidField("options", "must be a JSON object of the classifier options; a value has the wrong type");
        }
    }

    private static byte[] bytes(MultipartFile file) {
        try {
            return file.getBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
