package dev.pastiche.web;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.pastiche.image.Heatmap;
import dev.pastiche.image.ImageDecoder;
import dev.pastiche.image.ImageRejectedException;
import dev.pastiche.image.ImageOps;
import dev.pastiche.image.RgbImage;
import dev.pastiche.perception.Distance;
import dev.pastiche.perception.Lpips;
import dev.pastiche.perception.Metric;
import dev.pastiche.perception.MetricCard;
import dev.pastiche.perception.PerceptionModel;
import dev.pastiche.perception.PerceptualScorer;
import dev.pastiche.vgg.weights.WeightsInfo;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

/** Synchronous perceptual scoring: distances between two images, and feature-map grids. */
@Tag(name = "scoring", description = "Perceptual distances and feature maps, computed synchronously")
@RestController
class ScoringController {

    static final int MAX_CHANNELS = 512;

    /** API.md: a distance map's JSON holds at most this many values on its long side. */
    static final int MAX_MAP_JSON_SIDE = 256;
    static final String NO_RESIZE = "none: images of different sizes are refused (422)";
    static final String RESIZE = "the candidate resized to the reference's size (bicubic) when they differ";

    private final ImageDecoder decoder;
    private final PerceptualScorer scorer;
    private final PerceptionModel model;
    private final MatrixLimits matrixLimits;
    private final Lpips lpips;

    ScoringController(ImageDecoder decoder, PerceptualScorer scorer, PerceptionModel model, MatrixLimits matrixLimits, Lpips lpips) {
        this.decoder = decoder;
        this.scorer = scorer;
        this.model = model;
        this.matrixLimits = matrixLimits;
        this.lpips = lpips;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record LayerValues(Double content, Double style, Double features) {
    }

    record ModelRef(String variant, WeightsInfo weights) {
    }

    /** @param lpipsLayers LPIPS's terms per tap of its VGG16, by its names (relu1_2 …) */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record DistanceResponse(Double content, Double style, Double features, Double lpips, int width, int height,
            Map<String, LayerValues> layers, Map<String, Double> lpipsLayers, ModelRef model, MetricCard metric) {
    }

    /**
     * @param scale reference pixels per value along each side (1 when the map is at the reference's size)
     * @param values row-major, width × height
     */
    record MapResponse(String name, int width, int height, double scale, float[] values, double mean, double max, ModelRef model,
            MetricCard metric) {
    }

    record ImageRef(int index, String sha256) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record MatrixResponse(Map<String, double[][]> metrics, List<ImageRef> images, List<ImageRef> references, int width, int height,
            ModelRef model, MetricCard metric) {
    }

    @Problems({ProblemType.MODEL_UNAVAILABLE, ProblemType.QUEUE_FULL})
    @Operation(operationId = "perceptualDistance", summary = "Perceptual distance between two images",
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
        return new DistanceResponse(d.content(), d.style(), d.features(), d.lpips(), d.width(), d.height(), layers, d.lpipsLayers(),
                new ModelRef(d.model().variant().id(), d.model().weights()), MetricCard.of(d.model(), wanted, resize ? RESIZE : NO_RESIZE, lpips));
    }

    @Problems({ProblemType.MODEL_UNAVAILABLE, ProblemType.QUEUE_FULL})
    @Operation(operationId = "perceptualDistanceMap", summary = "Where two images differ: a map of the per-pixel distance",
            description = "metric content or features (style has no per-position value). Each layer's per-position distance is "
                    + "upsampled bilinearly to the reference's size and combined as the scalar is, so the map's mean is the "
                    + "scalar distance (within 2 %). Default: a PNG heatmap (viridis, 0 to the map's largest value, legend strip "
                    + "below; overlay=true blends it over the reference). Accept: application/json: the values, at most 256 on "
                    + "the long side.")
    @ApiResponse(responseCode = "200", description = "The heatmap as PNG, or with Accept: application/json its values",
            headers = {@Header(name = "Pastiche-Map-Mean", description = "The map's mean (PNG answers)", schema = @Schema(type = "number")),
                    @Header(name = "Pastiche-Map-Max", description = "The map's largest value (PNG answers)", schema = @Schema(type = "number"))},
            content = {@Content(mediaType = MediaType.IMAGE_PNG_VALUE, schema = @Schema(type = "string", format = "binary")),
                    @Content(mediaType = MediaType.APPLICATION_JSON_VALUE, schema = @Schema(implementation = MapResponse.class))})
    @PostMapping(path = "/v1/perceptual-distance-maps", consumes = MediaType.MULTIPART_FORM_DATA_VALUE,
            produces = {MediaType.IMAGE_PNG_VALUE, MediaType.APPLICATION_JSON_VALUE})
    ResponseEntity<?> map(
            @RequestPart("reference") MultipartFile reference,
            @RequestPart("candidate") MultipartFile candidate,
            @RequestParam("metric") String metric,
            @RequestParam(name = "overlay", defaultValue = "false") boolean overlay,
            @RequestParam(name = "resize", defaultValue = "false") boolean resize,
            @Parameter(hidden = true) @RequestHeader(name = "Accept", required = false) String accept) {
        Metric spatial = spatialMetric(metric);
        RgbImage ref = decoder.decode(bytes(reference), "reference");
        RgbImage cand = sameSize(ref, decoder.decode(bytes(candidate), "candidate"), resize);
        float[] values = scorer.map(ref, cand, spatial);
        double sum = 0;
        float max = 0;
        for (float v : values) {
            sum += v;
            max = Math.max(max, v);
        }
        double mean = sum / values.length;
        if (accept != null && accept.contains(MediaType.APPLICATION_JSON_VALUE)) {
            double scale = Math.max(1.0, (double) Math.max(ref.width(), ref.height()) / MAX_MAP_JSON_SIDE);
            int w = Math.max(1, (int) Math.round(ref.width() / scale));
            int h = Math.max(1, (int) Math.round(ref.height() / scale));
            float[] grid = w == ref.width() && h == ref.height() ? values : ImageOps.areaResize(values, ref.width(), ref.height(), w, h);
            return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(new MapResponse(spatial.label(), w, h, scale, grid, mean,
                    max, modelRef(), MetricCard.of(model.info(), Set.of(spatial), resize ? RESIZE : NO_RESIZE, lpips)));
        }
        byte[] png = ImageOps.png(Heatmap.render(values, ref.width(), ref.height(), overlay ? ref : null, spatial.label() + " distance"));
        return ResponseEntity.ok().contentType(MediaType.IMAGE_PNG).header("Pastiche-Map-Mean", Double.toString(mean))
                .header("Pastiche-Map-Max", Float.toString(max)).body(png);
    }

    @Problems({ProblemType.MODEL_UNAVAILABLE, ProblemType.QUEUE_FULL})
    @Operation(operationId = "perceptualDistanceMatrix", summary = "Every distance between several images",
            description = "2–64 image parts (pastiche.scoring.matrix.max-images, with any reference parts): every metric asked "
                    + "for between every pair (N×N, diagonal 0), or with reference parts between every reference and every image "
                    + "(R×N). Each image is decoded and forwarded once. Counts and total pixels "
                    + "(pastiche.scoring.matrix.max-pixels) are checked from the headers before any image is decoded.")
    @PostMapping(path = "/v1/perceptual-distance-matrix", consumes = MediaType.MULTIPART_FORM_DATA_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    MatrixResponse matrix(
            @RequestPart(name = "image", required = false) List<MultipartFile> images,
            @RequestPart(name = "reference", required = false) List<MultipartFile> references,
            @RequestParam(name = "metrics", required = false) String metrics,
            @RequestParam(name = "resize", defaultValue = "false") boolean resize) {
        List<byte[]> imageBytes = images == null ? List.of() : images.stream().map(ScoringController::bytes).toList();
        List<byte[]> referenceBytes = references == null ? List.of() : references.stream().map(ScoringController::bytes).toList();
        Set<Metric> wanted;
        try {
            wanted = Metric.parseList(metrics);
        } catch (IllegalArgumentException e) {
            throw ApiProblemException.invalidField("metrics", e.getMessage());
        }
        int least = referenceBytes.isEmpty() ? 2 : 1;
        int count = imageBytes.size() + referenceBytes.size();
        if (imageBytes.size() < least || count > matrixLimits.maxImages()) {
            throw ApiProblemException.invalidField("image", "send " + least + " to " + (matrixLimits.maxImages() - referenceBytes.size())
                    + " image parts" + (referenceBytes.isEmpty() ? "" : " beside the " + referenceBytes.size() + " reference parts")
                    + " (pastiche.scoring.matrix.max-images " + matrixLimits.maxImages() + " in all), got " + imageBytes.size());
        }
        long pixels = 0;
        long firstPixels = -1;
        for (int i = 0; i < referenceBytes.size(); i++) {
            long each = decoder.declaredPixels(referenceBytes.get(i), "reference[" + i + "]");
            firstPixels = firstPixels < 0 ? each : firstPixels;
            pixels += each;
        }
        for (int i = 0; i < imageBytes.size(); i++) {
            long each = decoder.declaredPixels(imageBytes.get(i), "image[" + i + "]");
            firstPixels = firstPixels < 0 ? each : firstPixels;
            pixels += each;
        }
        if (resize) {
            // every image is scored at the first one's size
            pixels = Math.max(pixels, firstPixels * count);
        }
        if (pixels > matrixLimits.maxPixels()) {
            throw new ImageRejectedException(ImageRejectedException.Reason.TOO_LARGE, "the " + count + " images have " + pixels
                    + " pixels together; the limit is " + matrixLimits.maxPixels() + " (pastiche.scoring.matrix.max-pixels): "
                    + "send fewer or smaller images");
        }
        List<RgbImage> decodedReferences = new java.util.ArrayList<>();
        for (int i = 0; i < referenceBytes.size(); i++) {
            decodedReferences.add(decoder.decode(referenceBytes.get(i), "reference[" + i + "]"));
        }
        List<RgbImage> decodedImages = new java.util.ArrayList<>();
        for (int i = 0; i < imageBytes.size(); i++) {
            decodedImages.add(decoder.decode(imageBytes.get(i), "image[" + i + "]"));
        }
        RgbImage first = decodedReferences.isEmpty() ? decodedImages.get(0) : decodedReferences.get(0);
        decodedReferences.replaceAll(image -> sameSize(first, image, resize));
        decodedImages.replaceAll(image -> sameSize(first, image, resize));
        Map<Metric, double[][]> matrices = scorer.matrix(decodedReferences, decodedImages, wanted);
        Map<String, double[][]> byName = new java.util.LinkedHashMap<>();
        matrices.forEach((m, values) -> byName.put(m.label(), values));
        return new MatrixResponse(byName, refs(imageBytes), referenceBytes.isEmpty() ? null : refs(referenceBytes), first.width(),
                first.height(), modelRef(), MetricCard.of(model.info(), wanted, resize
                        ? "every image resized to the first " + (referenceBytes.isEmpty() ? "image" : "reference") + "'s size (bicubic) when they differ"
                        : NO_RESIZE, lpips));
    }

    /** {@code metric} for a map: one of the spatial metrics. */
    private static Metric spatialMetric(String metric) {
        String spatial = java.util.Arrays.stream(Metric.values()).filter(Metric::spatial).map(Metric::label)
                .collect(java.util.stream.Collectors.joining(", "));
        Metric parsed;
        try {
            Set<Metric> one = Metric.parseList(metric);
            if (one.size() != 1) {
                throw new IllegalArgumentException("name one metric");
            }
            parsed = one.iterator().next();
        } catch (IllegalArgumentException e) {
            throw ApiProblemException.invalidField("metric", "must be one of the spatial metrics " + spatial + ", got '" + metric + "'");
        }
        if (!parsed.spatial()) {
            throw ApiProblemException.invalidField("metric", parsed.label() + " compares whole-image statistics (Gram matrices) and has "
                    + "no per-pixel value; a map shows one of the spatial metrics " + spatial);
        }
        return parsed;
    }

    /** {@code image} at {@code like}'s size: resized if asked, else refused when it differs. */
    private static RgbImage sameSize(RgbImage like, RgbImage image, boolean resize) {
        if (image.width() == like.width() && image.height() == like.height()) {
            return image;
        }
        if (!resize) {
            throw new ApiProblemException(ProblemType.INVALID_IMAGE, "an image is " + image.width() + "×" + image.height() + " but the "
                    + "reference is " + like.width() + "×" + like.height() + "; send images of one size or resize=true");
        }
        return ImageOps.resize(image, like.width(), like.height());
    }

    private static List<ImageRef> refs(List<byte[]> images) {
        List<ImageRef> refs = new java.util.ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            refs.add(new ImageRef(i, sha256(images.get(i))));
        }
        return refs;
    }

    private static String sha256(byte[] bytes) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private ModelRef modelRef() {
        return new ModelRef(model.info().variant().id(), model.info().weights());
    }

    @Problems({ProblemType.MODEL_UNAVAILABLE, ProblemType.QUEUE_FULL})
    @Operation(operationId = "featureMaps", summary = "A grid of one layer's activation maps",
            description = "The first `channels` channels of the tap, each min-max normalised, as a grey PNG grid.")
    @ApiResponse(responseCode = "200", description = "The grid, as PNG",
            content = @Content(mediaType = MediaType.IMAGE_PNG_VALUE, schema = @Schema(type = "string", format = "binary")))
    @PostMapping(path = "/v1/feature-maps", consumes = MediaType.MULTIPART_FORM_DATA_VALUE, produces = MediaType.IMAGE_PNG_VALUE)
    ResponseEntity<byte[]> featureMaps(
            @RequestPart("image") MultipartFile image,
            @RequestParam("layer") String layer,
            @Parameter(schema = @Schema(type = "integer", format = "int32", minimum = "1", maximum = "" + MAX_CHANNELS, defaultValue = "64"))
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
