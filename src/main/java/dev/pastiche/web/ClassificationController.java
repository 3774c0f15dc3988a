package dev.pastiche.web;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.pastiche.classify.Classification;
import dev.pastiche.classify.EvalTransform;
import dev.pastiche.classify.ImageNetClassifier;
import dev.pastiche.image.ImageDecoder;
import dev.pastiche.image.RgbImage;
import dev.pastiche.vgg.weights.WeightsInfo;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

/** The whole pretrained VGG, classifier included, on ImageNet's 1000 classes. */
@Tag(name = "classification", description = "ImageNet classification with the whole pretrained network")
@RestController
class ClassificationController {

    static final int CLASSES = 1000;

    private final ImageDecoder decoder;
    private final ImageNetClassifier classifier;

    ClassificationController(ImageDecoder decoder, ImageNetClassifier classifier) {
        this.decoder = decoder;
        this.classifier = classifier;
    }

    record PredictionView(int index, String wnid, String label, double probability) {
    }

    /** @param classifier where the classifier layers came from: {@code keys} torchvision, timm or random */
    record ModelView(String variant, WeightsInfo weights, Classification.ClassifierInfo classifier) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ClassificationResponse(List<PredictionView> predictions, ModelView model, String preprocessing) {
    }

    @Problems({ProblemType.MODEL_UNAVAILABLE, ProblemType.QUEUE_FULL})
    @Operation(operationId = "classifyImage", summary = "The most probable ImageNet classes of an image",
            description = "torchvision's evaluation transform (" + EvalTransform.DESCRIPTION + "), the convolutions, "
                    + "the classifier and a softmax over the 1000 classes. 503 model-unavailable when the weights hold no "
                    + "classifier. On random weights the classifier is random too (model.classifier.pretrained false).")
    @PostMapping(path = "/v1/classifications", consumes = MediaType.MULTIPART_FORM_DATA_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
    ClassificationResponse classify(
            @RequestPart("image") MultipartFile image,
            @Parameter(description = "how many classes to return, most probable first (1–1000)")
            @RequestParam(name = "top", defaultValue = "5") int top) {
        if (top < 1 || top > CLASSES) {
            throw ApiProblemException.invalidField("top", "must be between 1 and " + CLASSES + ", got " + top);
        }
        RgbImage rgb = decoder.decode(bytes(image), "image");
        Classification result = classifier.classify(rgb, top);
        List<PredictionView> predictions = result.predictions().stream()
                .map(p -> new PredictionView(p.index(), p.wnid(), p.label(), p.probability())).toList();
        return new ClassificationResponse(predictions, new ModelView(result.variant(), result.weights(), result.classifier()),
                EvalTransform.DESCRIPTION);
    }

    private static byte[] bytes(MultipartFile file) {
        try {
            return file.getBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
