package dev.pastiche.web;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.pastiche.image.ImageDecoder;
import dev.pastiche.image.ImageOps;
import dev.pastiche.image.RgbImage;
import dev.pastiche.perception.Distance;
import dev.pastiche.perception.Metric;
import dev.pastiche.perception.PerceptionModel;
import dev.pastiche.perception.PerceptualScorer;
import dev.pastiche.vgg.weights.WeightsInfo;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Set;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

/** Synchronous perceptual scoring: distances between two images, and feature-map grids. */
@Tag(name = "scoring", description = "Perceptual distances and feature maps, computed synchronously")
@RestController
class ScoringController {

    static final int MAX_CHANNELS = 512;

    private final ImageDecoder decoder;
    private final PerceptualScorer scorer;
    private final PerceptionModel model;

    ScoringController(ImageDecoder decoder, PerceptualScorer scorer, PerceptionModel model) {
        this.decoder = decoder;
        this.scorer = scorer;
        this.model = model;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record LayerValues(Double content, Double style, Double features) {
    }

    record ModelRef(String variant, WeightsInfo weights) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record DistanceResponse(Double content, Double style, Double features, int width, int height,
            Map<String, LayerValues> layers, ModelRef model) {
    }

    @Operation(summary = "Perceptual distance between two images",
            description = "content: mean squared difference at the content layer; style: sum over the style layers of the mean "
                    + "squared difference of Gram matrices F·Fᵀ/(C·H·W); features: sum over the style layers of the mean over "
                    + "positions of the squared difference of channel-normalised activations (LPIPS, uncalibrated). "
                    + "Identical images give 0.")
    @PostMapping(path = "/v1/perceptual-distance", consumes = MediaType.MULTIPART_FORM_DATA_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
    DistanceResponse distance(
            @RequestPart("reference") MultipartFile reference,
            @RequestPart("candidate") MultipartFile candidate,
            @RequestParam(name = "metrics", required = false) String metrics,
            @RequestParam(name = "resize", defaultValue = "false") boolean resize) {
        Set<Metric> wanted;
        try {
            wanted = Metric.parseList(metrics);
        } catch (IllegalArgumentException e) {
            throw ApiProblemException.invalidField("metrics", e.getMessage());
        }
        RgbImage ref = decoder.decode(bytes(reference), "reference");
        RgbImage cand = decoder.decode(bytes(candidate), "candidate");
        if (ref.width() != cand.width() || ref.height() != cand.height()) {
            if (!resize) {
                throw new ApiProblemException(ProblemType.INVALID_IMAGE, "candidate is " + cand.width() + "×" + cand.height()
                        + " but reference is " + ref.width() + "×" + ref.height() + "; send images of one size or resize=true");
            }
            cand = ImageOps.resize(cand, ref.width(), ref.height());
        }
        Distance d = scorer.distance(ref, cand, wanted);
        Map<String, LayerValues> layers = new java.util.LinkedHashMap<>();
        d.layers().forEach((name, l) -> layers.put(name, new LayerValues(l.content(), l.style(), l.features())));
        return new DistanceResponse(d.content(), d.style(), d.features(), d.width(), d.height(), layers,
                new ModelRef(d.model().variant().id(), d.model().weights()));
    }

    @Operation(summary = "A grid of one layer's activation maps",
            description = "The first `channels` channels of the tap, each min-max normalised, as a grey PNG grid.")
    @ApiResponse(responseCode = "200", content = @Content(mediaType = MediaType.IMAGE_PNG_VALUE))
    @PostMapping(path = "/v1/feature-maps", consumes = MediaType.MULTIPART_FORM_DATA_VALUE, produces = MediaType.IMAGE_PNG_VALUE)
    ResponseEntity<byte[]> featureMaps(
            @RequestPart("image") MultipartFile image,
            @RequestParam("layer") String layer,
            @RequestParam(name = "channels", defaultValue = "64") int channels) {
        if (channels < 1 || channels > MAX_CHANNELS) {
            throw ApiProblemException.invalidField("channels", "must be between 1 and " + MAX_CHANNELS + ", got " + channels);
        }
        model.info().variant().tapIndex(layer);
        RgbImage rgb = decoder.decode(bytes(image), "image");
        byte[] png = ImageOps.png(scorer.featureMap(rgb, layer, channels));
        return ResponseEntity.ok().contentType(MediaType.IMAGE_PNG).body(png);
    }

    private static byte[] bytes(MultipartFile file) {
        try {
            return file.getBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
