package dev.pastiche.web;

import static dev.pastiche.web.ApiClient.assertProblem;
import static dev.pastiche.web.ApiClient.assertValidationProblem;
import static dev.pastiche.web.ApiClient.contentType;
import static dev.pastiche.web.ApiClient.json;
import static dev.pastiche.web.ApiClient.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.pastiche.web.ApiClient.Images;
import dev.pastiche.web.ApiClient.Multipart;
import java.awt.image.BufferedImage;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * The public contract of API.md over real HTTP against the whole service, on seeded random weights.
 * The limits are set low so the size errors can be provoked with small uploads.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "pastiche.weights.source=random",
        "spring.servlet.multipart.max-file-size=200KB",
        "pastiche.image.max-pixels=100000"})
class ApiTests {

    private static final String DISTANCE = "/v1/perceptual-distance";
    private static final String FEATURE_MAPS = "/v1/feature-maps";
    private static final List<String> STYLE_LAYERS = List.of("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1");

    @LocalServerPort
    int port;

    ApiClient api;

    @BeforeEach
    void client() {
        api = new ApiClient(port);
    }

    private static Multipart pair(byte[] reference, byte[] candidate) {
        return new Multipart().png("reference", reference).png("candidate", candidate);
    }

    private static byte[] patternPng(int width, int height, int phase) {
        return Images.png(Images.pattern(width, height, phase));
    }

    @Nested
    class Models {

        @Test
        void listsTheEightVariantsWithTorchvisionParameterCounts() {
            HttpResponse<byte[]> response = api.get("/v1/models");

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(contentType(response)).startsWith("application/json");
            assertThat(response.headers().firstValue("Pastiche-Weights")).hasValue("random");
            Map<String, Long> parameters = new LinkedHashMap<>();
            Map<String, Integer> convLayers = new LinkedHashMap<>();
            for (JsonNode variant : json(response).path("variants")) {
                String name = variant.path("name").asString();
                parameters.put(name, variant.path("parameters").asLong());
                convLayers.put(name, variant.path("convLayers").asInt());
                assertThat(variant.path("batchNorm").asBoolean()).as(name).isEqualTo(name.endsWith("_bn"));
                assertThat(variant.path("fcLayers").asInt()).as(name).isEqualTo(3);
            }
            assertThat(parameters).containsExactlyInAnyOrderEntriesOf(Map.of(
                    "vgg11", 132_863_336L, "vgg13", 133_047_848L, "vgg16", 138_357_544L, "vgg19", 143_667_240L,
                    "vgg11_bn", 132_868_840L, "vgg13_bn", 133_053_736L, "vgg16_bn", 138_365_992L, "vgg19_bn", 143_678_248L));
            assertThat(convLayers).containsEntry("vgg11", 8).containsEntry("vgg13", 10).containsEntry("vgg16", 13)
                    .containsEntry("vgg19", 16).containsEntry("vgg19_bn", 16);
        }

        @Test
        void reportsTheClassifierWithoutLoadingIt() {
            JsonNode classifier = json(api.get("/v1/models")).path("classifier");

            // random weights make their random classifier on the first classification only
            assertThat(classifier.path("state").asString()).isIn("not-loaded", "loaded");
            if (classifier.path("state").asString().equals("loaded")) {
                assertThat(classifier.path("keys").asString()).isEqualTo("random");
            }
        }

        @Test
        void describesTheExtractorAndItsUntrainedWeights() {
            JsonNode extractor = json(api.get("/v1/models")).path("extractor");

            assertThat(extractor.path("variant").asString()).isEqualTo("vgg19");
            assertThat(extractor.path("device").asString()).isEqualTo("cpu");
            assertThat(extractor.path("contentLayer").asString()).isEqualTo("block4_conv2");
            assertThat(extractor.path("styleLayers").valueStream().map(JsonNode::asString).toList()).isEqualTo(STYLE_LAYERS);
            assertThat(extractor.path("ready").asBoolean()).isTrue();
            JsonNode weights = extractor.path("weights");
            assertThat(weights.path("source").asString()).isEqualTo("random");
            assertThat(weights.path("pretrained").isBoolean()).isTrue();
            assertThat(weights.path("pretrained").asBoolean()).isFalse();
            assertThat(weights.path("sha256").isNull()).as("no file, no SHA-256: %s", weights).isTrue();
        }

        @Test
        void architectureOfVgg16At224() {
            HttpResponse<byte[]> response = api.get("/v1/models/vgg16?height=224&width=224");

            assertThat(response.statusCode()).isEqualTo(200);
            JsonNode table = json(response);
            assertThat(table.path("name").asString()).isEqualTo("vgg16");
            assertThat(table.path("input").path("channels").asInt()).isEqualTo(3);
            assertThat(table.path("input").path("height").asInt()).isEqualTo(224);
            assertThat(table.path("input").path("width").asInt()).isEqualTo(224);
            JsonNode totals = table.path("totals");
            assertThat(totals.path("parameters").asLong()).isEqualTo(138_357_544L);
            assertThat(totals.path("convParameters").asLong()).isEqualTo(14_714_688L);
            assertThat(totals.path("fcParameters").asLong()).isEqualTo(123_642_856L);

            Map<String, JsonNode> layers = layersByName(table);
            JsonNode conv53 = layers.get("block5_conv3");
            assertThat(conv53.path("type").asString()).isEqualTo("conv");
            assertThat(conv53.path("torchvisionIndex").asInt()).isEqualTo(28);
            assertThat(conv53.path("kernel").asInt()).isEqualTo(3);
            assertThat(conv53.path("receptiveField").asInt()).isEqualTo(196);
            assertThat(shape(conv53)).containsExactly(512, 14, 14);
            assertThat(conv53.path("parameters").asLong()).isEqualTo(512L * 512 * 9 + 512);
            JsonNode pool5 = layers.get("block5_pool");
            assertThat(pool5.path("type").asString()).isEqualTo("maxpool");
            assertThat(pool5.path("receptiveField").asInt()).isEqualTo(212);
            assertThat(shape(pool5)).containsExactly(512, 7, 7);
            assertThat(shape(layers.get("flatten"))).containsExactly(25088);
            assertThat(table.path("layers").valueStream().map(l -> l.path("type").asString()).distinct().toList())
                    .containsExactlyInAnyOrder("conv", "relu", "maxpool", "flatten", "linear", "dropout");
            long sum = table.path("layers").valueStream().mapToLong(l -> l.path("parameters").asLong()).sum();
            assertThat(sum).as("rows add up to the total").isEqualTo(138_357_544L);
            // issue 17's facts: FLOPs per layer and in all, each block's share, the 3×3-stacking comparison
            assertThat(conv53.path("flops").asLong()).isEqualTo(2L * 9 * 512 * 512 * 14 * 14);
            assertThat(table.path("flops").asLong()).isEqualTo(table.path("layers").valueStream().mapToLong(l -> l.path("flops").asLong()).sum());
            assertThat(table.path("blocks").valueStream().map(b -> b.path("name").asString()).toList())
                    .containsExactly("block1", "block2", "block3", "block4", "block5", "classifier");
            assertThat(table.path("blocks").get(5).path("parameterShare").asDouble()).isCloseTo(123_642_856.0 / 138_357_544, within(1e-12));
            JsonNode stacking = table.path("stacking");
            assertThat(stacking.path("channels").asInt()).isEqualTo(512);
            // VGG16 stacks at most three 3×3 convolutions: 27C² weights against a 7×7's 49C²
            assertThat(stacking.path("comparisons")).hasSize(3);
            assertThat(stacking.path("comparisons").get(2).path("stackedParameters").asLong()).isEqualTo(27L * 512 * 512);
            assertThat(stacking.path("comparisons").get(2).path("singleParameters").asLong()).isEqualTo(49L * 512 * 512);
        }

        @Test
        void nonSquareInputsGiveEachAxisItsOwnSize() {
            HttpResponse<byte[]> response = api.get("/v1/models/vgg16?height=100&width=300");

            assertThat(response.statusCode()).isEqualTo(200);
            JsonNode table = json(response);
            assertThat(table.path("input").path("height").asInt()).isEqualTo(100);
            assertThat(table.path("input").path("width").asInt()).isEqualTo(300);
            Map<String, JsonNode> layers = layersByName(table);
            assertThat(shape(layers.get("block1_conv1"))).containsExactly(64, 100, 300);
            assertThat(shape(layers.get("block1_pool"))).containsExactly(64, 50, 150);
            assertThat(shape(layers.get("block4_pool"))).containsExactly(512, 6, 18);
            assertThat(shape(layers.get("block5_pool"))).containsExactly(512, 3, 9);
            // the adaptive 7×7 average pool keeps the classifier the same at every input size
            assertThat(shape(layers.get("flatten"))).containsExactly(25088);
            assertThat(table.path("totals").path("parameters").asLong()).isEqualTo(138_357_544L);
        }

        @Test
        void unknownVariantIsNotFound() {
            JsonNode problem = assertProblem(api.get("/v1/models/vgg42"), 404, "not-found", "/v1/models/vgg42");

            assertThat(problem.path("title").asString()).isEqualTo("Not found");
            assertThat(problem.path("detail").asString()).contains("vgg42").contains("vgg19_bn");
        }

        @Test
        void nonNumericHeightIsAValidationProblem() {
            JsonNode problem = assertValidationProblem(api.get("/v1/models/vgg16?height=abc"), "/v1/models/vgg16", "height");

            assertThat(problem.path("detail").asString()).contains("abc");
        }

        @Test
        void heightBelowFivePoolsIsAValidationProblem() {
            JsonNode problem = assertValidationProblem(api.get("/v1/models/vgg16?height=10"), "/v1/models/vgg16", "height");

            assertThat(problem.path("errors").get(0).path("message").asString()).contains("32");
        }

        @Test
        void hugeWidthIsAValidationProblem() {
            assertValidationProblem(api.get("/v1/models/vgg16?width=100000"), "/v1/models/vgg16", "width");
        }

        private static Map<String, JsonNode> layersByName(JsonNode table) {
            Map<String, JsonNode> layers = new LinkedHashMap<>();
            table.path("layers").forEach(l -> layers.put(l.path("name").asString(), l));
            return layers;
        }

        private static List<Integer> shape(JsonNode layer) {
            assertThat(layer).as("layer present").isNotNull();
            return layer.path("outputShape").valueStream().map(JsonNode::asInt).toList();
        }
    }

    @Nested
    class PerceptualDistance {

        @Test
        void identicalImagesAreAtZero() {
            byte[] image = patternPng(64, 48, 1);

            HttpResponse<byte[]> response = api.post(DISTANCE, pair(image, image));

            assertThat(response.statusCode()).as(text(response)).isEqualTo(200);
            assertThat(contentType(response)).startsWith("application/json");
            assertThat(response.headers().firstValue("Pastiche-Weights")).hasValue("random");
            JsonNode body = json(response);
            assertThat(body.path("content").isNumber()).isTrue();
            assertThat(body.path("content").asDouble()).isZero();
            assertThat(body.path("style").asDouble()).isZero();
            assertThat(body.path("features").asDouble()).isZero();
            assertThat(body.path("width").asInt()).isEqualTo(64);
            assertThat(body.path("height").asInt()).isEqualTo(48);
        }

        @Test
        void differentImagesAreApartAndTheLayersAddUp() {
            HttpResponse<byte[]> response = api.post(DISTANCE, pair(patternPng(64, 48, 1), patternPng(64, 48, 4)));

            assertThat(response.statusCode()).as(text(response)).isEqualTo(200);
            JsonNode body = json(response);
            double content = body.path("content").asDouble();
            double style = body.path("style").asDouble();
            double features = body.path("features").asDouble();
            assertThat(content).isPositive();
            assertThat(style).isPositive();
            assertThat(features).isPositive();

            JsonNode layers = body.path("layers");
            List<String> names = new ArrayList<>(layers.propertyNames());
            assertThat(names).containsExactly("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block4_conv2",
                    "block5_conv1");
            assertThat(layers.path("block4_conv2").path("content").asDouble()).isEqualTo(content, within(content * 1e-9));
            assertThat(layers.path("block4_conv2").has("style")).isFalse();
            assertThat(layers.path("block1_conv1").has("content")).isFalse();
            double styleSum = STYLE_LAYERS.stream().mapToDouble(l -> layers.path(l).path("style").asDouble()).sum();
            double featureSum = STYLE_LAYERS.stream().mapToDouble(l -> layers.path(l).path("features").asDouble()).sum();
            assertThat(styleSum).isCloseTo(style, within(style * 1e-6));
            assertThat(featureSum).isCloseTo(features, within(features * 1e-6));

            JsonNode model = body.path("model");
            assertThat(model.path("variant").asString()).isEqualTo("vgg19");
            assertThat(model.path("weights").path("source").asString()).isEqualTo("random");
            assertThat(model.path("weights").path("pretrained").isBoolean()).isTrue();
            assertThat(model.path("weights").path("pretrained").asBoolean()).isFalse();
        }

        @Test
        void distanceIsSymmetric() {
            byte[] a = Images.jpeg(Images.pattern(64, 64, 2));
            byte[] b = Images.jpeg(Images.pattern(64, 64, 7));

            JsonNode ab = json(api.post(DISTANCE, new Multipart().file("reference", "a.jpg", "image/jpeg", a)
                    .file("candidate", "b.jpg", "image/jpeg", b)));
            JsonNode ba = json(api.post(DISTANCE, new Multipart().file("reference", "b.jpg", "image/jpeg", b)
                    .file("candidate", "a.jpg", "image/jpeg", a)));

            for (String metric : List.of("content", "style", "features")) {
                double forward = ab.path(metric).asDouble();
                assertThat(forward).as(metric).isPositive();
                assertThat(ba.path(metric).asDouble()).as(metric).isCloseTo(forward, within(forward * 1e-6));
            }
        }

        @Test
        void metricsSelectsWhatIsComputed() {
            HttpResponse<byte[]> response = api.post(DISTANCE, pair(patternPng(64, 48, 1), patternPng(64, 48, 3))
                    .field("metrics", "style"));

            assertThat(response.statusCode()).as(text(response)).isEqualTo(200);
            JsonNode body = json(response);
            assertThat(body.path("style").asDouble()).isPositive();
            assertThat(body.has("content")).as("content absent in %s", body).isFalse();
            assertThat(body.has("features")).as("features absent in %s", body).isFalse();
            JsonNode layers = body.path("layers");
            assertThat(new ArrayList<>(layers.propertyNames())).containsExactlyElementsOf(STYLE_LAYERS);
            layers.forEach(layer -> assertThat(new ArrayList<>(layer.propertyNames())).containsExactly("style"));
        }

        @Test
        void typeIsSniffedFromTheBytesNotTheName() {
            byte[] jpeg = Images.jpeg(Images.pattern(64, 48, 1));

            HttpResponse<byte[]> response = api.post(DISTANCE, new Multipart()
                    .file("reference", "photo.png", "image/png", jpeg)
                    .file("candidate", "photo.bin", "application/octet-stream", jpeg));

            assertThat(response.statusCode()).as(text(response)).isEqualTo(200);
            assertThat(json(response).path("content").asDouble()).isZero();
        }

        @Test
        void differentSizesWithoutResizeAreAnInvalidImage() {
            HttpResponse<byte[]> response = api.post(DISTANCE, pair(patternPng(64, 48, 1), patternPng(96, 64, 1)));

            JsonNode problem = assertProblem(response, 422, "invalid-image", DISTANCE);
            assertThat(problem.path("title").asString()).isEqualTo("Invalid image");
            assertThat(problem.path("detail").asString()).contains("resize=true");
        }

        @Test
        void resizeScalesTheCandidateToTheReference() {
            HttpResponse<byte[]> response = api.post(DISTANCE, pair(patternPng(64, 48, 1), patternPng(96, 64, 1))
                    .field("resize", "true"));

            assertThat(response.statusCode()).as(text(response)).isEqualTo(200);
            JsonNode body = json(response);
            assertThat(body.path("width").asInt()).isEqualTo(64);
            assertThat(body.path("height").asInt()).isEqualTo(48);
            assertThat(body.path("content").isNumber()).isTrue();
        }

        @Test
        void missingCandidateIsAValidationProblem() {
            HttpResponse<byte[]> response = api.post(DISTANCE, new Multipart().png("reference", patternPng(64, 48, 1)));

            JsonNode problem = assertValidationProblem(response, DISTANCE, "candidate");
            assertThat(problem.path("detail").asString()).contains("candidate");
        }

        @Test
        void bytesThatAreNoImageAreAnUnsupportedMediaType() {
            HttpResponse<byte[]> response = api.post(DISTANCE, new Multipart()
                    .png("reference", patternPng(64, 48, 1))
                    .file("candidate", "candidate.png", "image/png", "this is not an image at all".getBytes(StandardCharsets.UTF_8)));

            JsonNode problem = assertProblem(response, 415, "unsupported-media-type", DISTANCE);
            assertThat(problem.path("title").asString()).isEqualTo("Unsupported media type");
            assertThat(problem.path("detail").asString()).contains("candidate");
        }

        @Test
        void truncatedPngIsAnInvalidImage() {
            byte[] whole = Images.png(Images.noise(64, 48, 7));
            byte[] truncated = Arrays.copyOf(whole, whole.length / 2);

            HttpResponse<byte[]> response = api.post(DISTANCE, pair(patternPng(64, 48, 1), truncated));

            JsonNode problem = assertProblem(response, 422, "invalid-image", DISTANCE);
            assertThat(problem.path("detail").asString()).contains("candidate");
        }

        @Test
        void unknownMetricIsAValidationProblem() {
            HttpResponse<byte[]> response = api.post(DISTANCE, pair(patternPng(64, 48, 1), patternPng(64, 48, 2))
                    .field("metrics", "bogus"));

            JsonNode problem = assertValidationProblem(response, DISTANCE, "metrics");
            assertThat(problem.path("detail").asString()).contains("bogus");
        }

        @Test
        void jsonInsteadOfMultipartIsAnUnsupportedMediaType() {
            HttpResponse<byte[]> response = api.post(DISTANCE, "application/json",
                    "{\"reference\":\"a.png\",\"candidate\":\"b.png\"}".getBytes(StandardCharsets.UTF_8));

            JsonNode problem = assertProblem(response, 415, "unsupported-media-type", DISTANCE);
            assertThat(problem.path("detail").asString()).contains("multipart/form-data");
        }

        @Test
        void uploadOverTheMultipartLimitIsPayloadTooLarge() {
            byte[] big = new byte[300 * 1024];
            new Random(1).nextBytes(big);

            HttpResponse<byte[]> response = api.post(DISTANCE, new Multipart()
                    .png("reference", patternPng(64, 48, 1))
                    .file("candidate", "big.png", "image/png", big));

            JsonNode problem = assertProblem(response, 413, "payload-too-large", DISTANCE);
            assertThat(problem.path("title").asString()).isEqualTo("Payload too large");
        }

        @Test
        void imageOverTheMaxPixelsIsTooLarge() {
            byte[] large = Images.png(Images.solid(400, 400, 0x336699));
            assertThat(large.length).as("under the byte limit, so only the pixel limit applies").isLessThan(200 * 1024);

            HttpResponse<byte[]> response = api.post(DISTANCE, pair(large, large));

            JsonNode problem = assertProblem(response, 422, "image-too-large", DISTANCE);
            assertThat(problem.path("title").asString()).isEqualTo("Image too large");
            assertThat(problem.path("detail").asString()).contains("160000").contains("100000");
        }

        @Test
        void emptyPartIsAnInvalidImage() {
            HttpResponse<byte[]> response = api.post(DISTANCE, pair(patternPng(64, 48, 1), new byte[0]));

            JsonNode problem = assertProblem(response, 422, "invalid-image", DISTANCE);
            assertThat(problem.path("detail").asString()).contains("candidate");
        }

        @Test
        void imageTooSmallForTheDeepestLayerIsAnInvalidImage() {
            // block5_conv1 comes after four 2×2 pools: it needs 16×16; 8×8 would leave it empty
            HttpResponse<byte[]> response = api.post(DISTANCE, pair(patternPng(8, 8, 1), patternPng(8, 8, 2)));

            JsonNode problem = assertProblem(response, 422, "invalid-image", DISTANCE);
            assertThat(problem.path("detail").asString()).contains("8×8").contains("block5_conv1").contains("16×16");
        }

        @Test
        void smallImagesAreScoredWhenTheLayersAskedForFit() {
            // content alone taps block4_conv2, after three pools: 8×8 is just enough
            HttpResponse<byte[]> response = api.post(DISTANCE, pair(patternPng(8, 8, 1), patternPng(8, 8, 2))
                    .field("metrics", "content"));

            assertThat(response.statusCode()).as(text(response)).isEqualTo(200);
            assertThat(json(response).path("content").isNumber()).isTrue();
        }

        @Test
        void nonBooleanResizeIsAValidationProblem() {
            HttpResponse<byte[]> response = api.post(DISTANCE, pair(patternPng(64, 48, 1), patternPng(64, 48, 2))
                    .field("resize", "maybe"));

            assertValidationProblem(response, DISTANCE, "resize");
        }

        @Test
        void xmlOnlyClientIsNotAcceptable() {
            HttpResponse<byte[]> response = api.post(DISTANCE, pair(patternPng(64, 48, 1), patternPng(64, 48, 2)), "Accept",
                    "application/xml");

            JsonNode problem = assertProblem(response, 406, "not-acceptable", DISTANCE);
            assertThat(problem.path("detail").asString()).contains("application/json");
        }

        @Test
        void parallelRequestsAllSucceedWithIdenticalResults() {
            Multipart body = pair(patternPng(64, 48, 1), patternPng(64, 48, 5));

            List<CompletableFuture<HttpResponse<byte[]>>> calls = IntStream.range(0, 8)
                    .mapToObj(i -> api.postAsync(DISTANCE, body)).toList();
            List<HttpResponse<byte[]>> responses = calls.stream().map(CompletableFuture::join).toList();

            List<JsonNode> bodies = new ArrayList<>();
            for (HttpResponse<byte[]> response : responses) {
                assertThat(response.statusCode()).as(text(response)).isEqualTo(200);
                bodies.add(json(response));
            }
            assertThat(bodies.get(0).path("content").asDouble()).isPositive();
            assertThat(bodies).allSatisfy(b -> assertThat(b).isEqualTo(bodies.get(0)));
        }
    }

    @Nested
    class FeatureMaps {

        @Test
        void gridOfTheRequestedChannels() {
            HttpResponse<byte[]> response = api.post(FEATURE_MAPS, new Multipart()
                    .png("image", patternPng(64, 48, 1)).field("layer", "block2_conv1").field("channels", "16"));

            assertThat(response.statusCode()).as(text(response)).isEqualTo(200);
            assertThat(contentType(response)).isEqualTo("image/png");
            BufferedImage grid = Images.decode(response.body());
            // block2 is after one pool: 32×24 tiles, 4×4 of them, 2-pixel gaps between
            assertThat(grid.getWidth()).isEqualTo(4 * 32 + 3 * 2);
            assertThat(grid.getHeight()).isEqualTo(4 * 24 + 3 * 2);
        }

        @Test
        void unknownLayerIsAValidationProblem() {
            HttpResponse<byte[]> response = api.post(FEATURE_MAPS, new Multipart()
                    .png("image", patternPng(64, 48, 1)).field("layer", "block9_conv9"));

            JsonNode problem = assertValidationProblem(response, FEATURE_MAPS, "layer");
            assertThat(problem.path("detail").asString()).contains("block9_conv9").contains("block5_conv4");
        }

        @Test
        void zeroChannelsIsAValidationProblem() {
            HttpResponse<byte[]> response = api.post(FEATURE_MAPS, new Multipart()
                    .png("image", patternPng(64, 48, 1)).field("layer", "block1_conv1").field("channels", "0"));

            assertValidationProblem(response, FEATURE_MAPS, "channels");
        }

        @Test
        void nonNumericChannelsIsAValidationProblem() {
            HttpResponse<byte[]> response = api.post(FEATURE_MAPS, new Multipart()
                    .png("image", patternPng(64, 48, 1)).field("layer", "block1_conv1").field("channels", "abc"));

            assertValidationProblem(response, FEATURE_MAPS, "channels");
        }

        @Test
        void missingImageIsAValidationProblem() {
            HttpResponse<byte[]> response = api.post(FEATURE_MAPS, new Multipart().field("layer", "block1_conv1"));

            assertValidationProblem(response, FEATURE_MAPS, "image");
        }

        @Test
        void imageTooSmallForTheLayerIsAnInvalidImage() {
            HttpResponse<byte[]> response = api.post(FEATURE_MAPS, new Multipart()
                    .png("image", patternPng(8, 8, 1)).field("layer", "block5_conv4"));

            JsonNode problem = assertProblem(response, 422, "invalid-image", FEATURE_MAPS);
            assertThat(problem.path("detail").asString()).contains("block5_conv4").contains("16×16");
        }

        @Test
        void shallowLayersOfTinyImagesStillWork() {
            HttpResponse<byte[]> response = api.post(FEATURE_MAPS, new Multipart()
                    .png("image", patternPng(8, 8, 1)).field("layer", "block4_conv1").field("channels", "4"));

            assertThat(response.statusCode()).as(text(response)).isEqualTo(200);
            BufferedImage grid = Images.decode(response.body());
            // block4 is after three pools: 1×1 tiles, 2×2 of them
            assertThat(grid.getWidth()).isEqualTo(2 * 1 + 2);
            assertThat(grid.getHeight()).isEqualTo(2 * 1 + 2);
        }

        @Test
        void missingLayerIsAValidationProblem() {
            HttpResponse<byte[]> response = api.post(FEATURE_MAPS, new Multipart().png("image", patternPng(64, 48, 1)));

            assertValidationProblem(response, FEATURE_MAPS, "layer");
        }
    }

    @Nested
    class Routing {

        @Test
        void unknownPathIsANotFoundProblem() {
            JsonNode problem = assertProblem(api.get("/nope"), 404, "not-found", "/nope");

            assertThat(problem.path("detail").asString()).contains("/nope").contains("/v3/api-docs");
        }

        @Test
        void wrongMethodIsAMethodNotAllowedProblem() {
            HttpResponse<byte[]> response = api.get(DISTANCE);

            JsonNode problem = assertProblem(response, 405, "method-not-allowed", DISTANCE);
            assertThat(problem.path("detail").asString()).contains("GET").contains("POST");
            assertThat(response.headers().firstValue("Allow")).hasValueSatisfying(allow -> assertThat(allow).contains("POST"));
        }

        @Test
        void unacceptableResponseTypeIsANotAcceptableProblem() {
            HttpResponse<byte[]> response = api.get("/v1/models", "Accept", "application/xml");

            JsonNode problem = assertProblem(response, 406, "not-acceptable", "/v1/models");
            assertThat(problem.path("detail").asString()).contains("application/json");
        }
    }

    @Nested
    class Operations {

        @Test
        void openApiDescribesEveryEndpoint() {
            HttpResponse<byte[]> response = api.get("/v3/api-docs");

            assertThat(response.statusCode()).isEqualTo(200);
            JsonNode paths = json(response).path("paths");
            assertThat(paths.has("/v1/models")).isTrue();
            assertThat(paths.has("/v1/models/{variant}")).isTrue();
            assertThat(paths.path(DISTANCE).has("post")).isTrue();
            assertThat(paths.path(FEATURE_MAPS).has("post")).isTrue();
            assertThat(paths.path("/v1/classifications").has("post")).isTrue();
        }

        @Test
        void swaggerUiIsServed() {
            HttpResponse<byte[]> response = new ApiClient(port, HttpClient.Redirect.NORMAL).get("/swagger-ui.html");

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(contentType(response)).startsWith("text/html");
            assertThat(text(response)).containsIgnoringCase("swagger");
        }

        @Test
        void livenessAndReadinessAreUp() {
            HttpResponse<byte[]> liveness = api.get("/actuator/health/liveness");
            HttpResponse<byte[]> readiness = api.get("/actuator/health/readiness");

            assertThat(liveness.statusCode()).isEqualTo(200);
            assertThat(json(liveness).path("status").asString()).isEqualTo("UP");
            assertThat(readiness.statusCode()).isEqualTo(200);
            assertThat(json(readiness).path("status").asString()).isEqualTo("UP");
        }

        @Test
        void prometheusCountsScoring() {
            double scoredBefore = sample(api.get("/actuator/prometheus"), "pastiche_images_scored_total");
            double distancesBefore = sample(api.get("/actuator/prometheus"),
                    "pastiche_scoring_seconds_count", "operation=\"perceptual-distance\"");

            assertThat(api.post(DISTANCE, pair(patternPng(64, 48, 1), patternPng(64, 48, 2))).statusCode()).isEqualTo(200);

            HttpResponse<byte[]> response = api.get("/actuator/prometheus");
            assertThat(response.statusCode()).isEqualTo(200);
            String metrics = text(response);
            assertThat(metrics).contains("pastiche_scoring_seconds_bucket").contains("pastiche_model_load_seconds");
            assertThat(sample(response, "pastiche_images_scored_total")).isEqualTo(scoredBefore + 2);
            assertThat(sample(response, "pastiche_scoring_seconds_count", "operation=\"perceptual-distance\""))
                    .isEqualTo(distancesBefore + 1);
            assertThat(sample(response, "pastiche_model_load_seconds_count")).isEqualTo(1);
        }

        /** The value of the first sample of {@code name} whose labels contain every one given; 0 when there is none yet. */
        private static double sample(HttpResponse<byte[]> prometheus, String name, String... labels) {
            assertThat(prometheus.statusCode()).isEqualTo(200);
            Matcher m = Pattern.compile("(?m)^" + name + "(\\{[^}]*})? (\\S+)$").matcher(text(prometheus));
            while (m.find()) {
                String found = m.group(1) == null ? "" : m.group(1);
                if (Arrays.stream(labels).allMatch(found::contains)) {
                    return Double.parseDouble(m.group(2));
                }
            }
            return 0;
        }
    }
}
