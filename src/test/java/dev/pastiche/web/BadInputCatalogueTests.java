package dev.pastiche.web;

import static dev.pastiche.web.ApiClient.assertProblem;
import static dev.pastiche.web.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pastiche.storage.StorageProperties;
import dev.pastiche.testing.HostileImages;
import dev.pastiche.testing.ProcessMemory;
import dev.pastiche.web.ApiClient.Images;
import dev.pastiche.web.ApiClient.Multipart;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The bad-input catalogue of issue 8: every case is a real HTTP request (or a short sequence) with
 * the status and API.md problem slug it must get. None may be a 5xx. Jobs stored before the
 * catalogue must be unchanged after it, and refused requests must leave no job and no blob behind.
 */
@GuardedServiceTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BadInputCatalogueTests {

    private static final String DISTANCE = "/v1/perceptual-distance";
    private static final String FEATURE_MAPS = "/v1/feature-maps";
    private static final String CLASSIFY = "/v1/classifications";
    private static final String JOBS = "/v1/style-transfers";
    private static final String BATCHES = "/v1/style-transfer-batches";
    private static final String MATRIX = "/v1/perceptual-distance-matrix";
    private static final String MAPS = "/v1/perceptual-distance-maps";
    private static final String CLASSIFIERS = "/v1/classifiers";
    private static final String ALPHA = "Bearer " + GuardedServiceTest.ALPHA;
    private static final String BETA = "Bearer " + GuardedServiceTest.BETA;

    private static final byte[] CONTENT = Images.png(Images.pattern(64, 48, 1));
    private static final byte[] STYLE = Images.png(Images.pattern(40, 40, 2));
    private static final byte[] JPEG = Images.jpeg(Images.pattern(64, 48, 1));
    private static final byte[] SMALL = Images.png(Images.pattern(8, 8, 3));
    /** White on the left half of the content's 64×48. */
    private static final byte[] MASK = Images.png(leftHalf(64, 48));

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    StorageProperties storage;

    private ApiClient api;
    /** Jobs that exist before the catalogue and must come out of it unchanged. */
    private Map<UUID, Map<String, Object>> bystanders;
    private UUID alphaJob;
    private UUID betaJob;
    /** Jobs that accepted cases created on purpose (and may have changed). */
    private final Set<UUID> created = new HashSet<>();
    /** Classifiers made on purpose, by key. */
    private final Map<String, UUID> classifiers = new java.util.HashMap<>();

    /** One entry of the catalogue: a request, the status it must get and, for errors, the slug. */
    record Case(int status, String slug, Function<BadInputCatalogueTests, HttpResponse<byte[]>> call,
            Consumer<HttpResponse<byte[]>> check) {
    }

    @BeforeAll
    void storeBystanders() {
        api = new ApiClient(port);
        alphaJob = submit(ALPHA, job(CONTENT, STYLE, "{\"size\": 48, \"iterations\": 2}"));
        betaJob = submit(BETA, job(CONTENT, STYLE, "{\"size\": 40, \"iterations\": 3}"));
        UUID cancelled = submit(ALPHA, job(JPEG, STYLE, "{\"size\": 48, \"iterations\": 2, \"outputFormat\": \"jpeg\"}"));
        assertThat(api.send("POST", JOBS + "/" + cancelled + "/cancel", HttpRequest.BodyPublishers.noBody(), "Authorization", ALPHA)
                .statusCode()).isEqualTo(202);
        bystanders = rows();
        assertThat(bystanders).containsKeys(alphaJob, betaJob, cancelled);
    }

    static Stream<Arguments> catalogue() {
        return Stream.of(
                // --- image bytes -------------------------------------------------------------------------------
                refused("zero-byte image", 422, "invalid-image", t -> t.distance(new byte[0])),
                refused("PNG cut in half", 422, "invalid-image", t -> t.distance(half(Images.png(Images.noise(64, 48, 7))))),
                refused("JPEG cut in half", 422, "invalid-image", t -> t.distance(half(Images.jpeg(Images.noise(64, 48, 7))))),
                refused("PNG signature then garbage", 422, "invalid-image",
                        t -> t.distance(concat(Arrays.copyOf(CONTENT, 8), random(2000, 3)))),
                refused("PNG signature then a JPEG (polyglot)", 422, "invalid-image", t -> t.distance(concat(Arrays.copyOf(CONTENT, 8), JPEG))),
                refused("plain text declared image/png", 415, "unsupported-media-type", t -> t.distance(ascii("just some text"))),
                refused("random bytes", 415, "unsupported-media-type", t -> t.distance(random(4096, 1))),
                refused("GIF (decodable, but not accepted)", 415, "unsupported-media-type", t -> t.distance(gif())),
                refused("SVG declared image/png", 415, "unsupported-media-type",
                        t -> t.distance(ascii("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"64\" height=\"48\"/>"))),
                refused("ZIP holding a PNG (polyglot)", 415, "unsupported-media-type", t -> t.distance(zipOf(CONTENT))),
                refused("GIF header with script (GIFAR-style polyglot)", 415, "unsupported-media-type",
                        t -> t.distance(ascii("GIF89a/*\u0000\u0000*/=alert(1)//"))),
                accepted("PNG with HTML appended after IEND (polyglot, decoded as PNG only)", 200,
                        t -> t.distance(concat(Images.png(Images.pattern(64, 48, 2)), ascii("<html><script>alert(1)</script></html>")))),
                accepted("JPEG with a ZIP appended (polyglot, decoded as JPEG only)", 200,
                        t -> t.distance(concat(Images.jpeg(Images.pattern(64, 48, 2)), zipOf(ascii("payload"))))),
                refused("60000×60000 declared by a 70-byte PNG", 422, "image-too-large", BadInputCatalogueTests::hugeDeclaredPng),
                refused("60000×60000 declared by a JPEG header", 422, "image-too-large",
                        t -> t.distance(HostileImages.jpegDeclaring(fixture("quadrants.jpg"), 60_000, 60_000))),
                refused("400×400 over max-pixels 100000", 422, "image-too-large", t -> t.distance(Images.png(Images.solid(400, 400, 0x336699)))),
                refused("PNG declaring 0×0", 422, "invalid-image", t -> t.distance(HostileImages.pngDeclaring(0, 0))),
                accepted("valid PNG declared text/plain, named .txt", 200, t -> t.post(DISTANCE, new Multipart().png("reference", CONTENT)
                        .file("candidate", "notes.txt", "text/plain", Images.png(Images.pattern(64, 48, 4))))),
                accepted("JPEG declared image/png", 200, t -> t.distance(JPEG)),
                accepted("16-bit RGB PNG", 200, t -> t.featureMap(fixture("rgb16.png"))),
                accepted("16-bit grey PNG", 200, t -> t.featureMap(fixture("grey16.png"))),
                accepted("8-bit grey PNG", 200, t -> t.featureMap(fixture("grey8.png"))),
                accepted("2-bit grey PNG", 200, t -> t.featureMap(fixture("grey2.png"))),
                accepted("grey JPEG", 200, t -> t.featureMap(fixture("grey.jpg"))),
                accepted("CMYK JPEG", 200, t -> t.featureMap(fixture("cmyk.jpg"))),
                accepted("RGBA PNG", 200, t -> t.featureMap(fixture("rgba.png"))),
                accepted("grey+alpha PNG", 200, t -> t.featureMap(fixture("grey_alpha.png"))),
                accepted("palette PNG with transparency", 200, t -> t.featureMap(fixture("palette.png"))),
                accepted("EXIF orientation 6 (stored 24×32, upright 32×24)", 200, t -> t.post(DISTANCE,
                        new Multipart().file("reference", "r.jpg", "image/jpeg", fixture("orientation6.jpg"))
                                .file("candidate", "c.jpg", "image/jpeg", fixture("quadrants.jpg"))), uprightSize()),
                accepted("EXIF orientation 8", 200, t -> t.post(DISTANCE,
                        new Multipart().file("reference", "r.jpg", "image/jpeg", fixture("orientation8.jpg"))
                                .file("candidate", "c.jpg", "image/jpeg", fixture("quadrants.jpg"))), uprightSize()),
                accepted("EXIF orientation 3", 200, t -> t.post(DISTANCE,
                        new Multipart().file("reference", "r.jpg", "image/jpeg", fixture("orientation3.jpg"))
                                .file("candidate", "c.jpg", "image/jpeg", fixture("quadrants.jpg"))), uprightSize()),
                // --- the multipart envelope --------------------------------------------------------------------
                refused("one file over max-file-size (200KB)", 413, "payload-too-large", t -> t.distance(random(300 * 1024, 5))),
                refused("request over max-request-size (1MB) in small files", 413, "payload-too-large", t -> {
                    Multipart body = new Multipart().png("content", CONTENT);
                    for (int i = 0; i < 7; i++) {
                        body.file("style", "s" + i + ".png", "image/png", random(190 * 1024, 10 + i));
                    }
                    return t.post(JOBS, body);
                }),
                refused("too many parts (200 form fields)", 413, "payload-too-large", t -> {
                    Multipart body = new Multipart().png("reference", CONTENT).png("candidate", CONTENT);
                    for (int i = 0; i < 200; i++) {
                        body.field("f" + i, "x");
                    }
                    return t.post(DISTANCE, body);
                }),
                refused("JSON body instead of multipart", 415, "unsupported-media-type",
                        t -> t.raw("POST", JOBS, "application/json", ascii("{\"content\": \"a.png\"}"))),
                refused("multipart with a boundary that never appears (no parts)", 400, "validation",
                        t -> t.raw("POST", JOBS, "multipart/form-data; boundary=nowhere", ascii("--elsewhere\r\n\r\nno parts\r\n"))),
                refused("missing candidate part", 400, "validation", t -> t.post(DISTANCE, new Multipart().png("reference", CONTENT))),
                refused("job without a content part", 400, "validation", t -> t.post(JOBS, new Multipart().png("style", STYLE))),
                refused("job without a style part", 400, "validation", t -> t.post(JOBS, new Multipart().png("content", CONTENT))),
                refused("nine styles (API.md: 1–8)", 400, "validation", t -> {
                    Multipart body = new Multipart().png("content", CONTENT);
                    for (int i = 0; i < 9; i++) {
                        body.png("style", Images.png(Images.pattern(32, 32, i)));
                    }
                    return t.post(JOBS, body.json("options", "{\"size\": 48}"));
                }),
                // --- strict multipart (issue 18): parts the endpoint does not define, or repeats of one it takes once
                refused("an unknown part (a misspelt mask)", 400, "validation", t -> t.post(JOBS, job(CONTENT, STYLE, "{\"size\": 48}")
                        .png("masks", MASK)), detailNames("part 'masks' is not a part of this request; the parts allowed are "
                        + "content, mask (may repeat), options, style (may repeat)")),
                refused("an unknown part beside a distance's images", 400, "validation", t -> t.post(DISTANCE, pair()
                        .png("surprise", CONTENT)), detailNames("part 'surprise' is not a part of this request")),
                refused("an unknown form field", 400, "validation", t -> t.post(DISTANCE, pair().field("metric", "content")),
                        detailNames("part 'metric' is not a part of this request; the parts allowed are candidate, metrics, reference, resize")),
                refused("two content parts where a job takes one", 400, "validation", t -> t.post(JOBS, job(CONTENT, STYLE, "{\"size\": 48}")
                        .png("content", CONTENT)), detailNames("part 'content' is sent 2 times but is taken once")),
                refused("two options parts", 400, "validation", t -> t.post(JOBS, job(CONTENT, STYLE, "{\"size\": 48}")
                        .json("options", "{\"size\": 64}")), detailNames("part 'options' is sent 2 times")),
                refused("a repeated form field", 400, "validation", t -> t.post(DISTANCE, pair().field("resize", "true").field("resize", "false")),
                        detailNames("part 'resize' is sent 2 times")),
                // --- style masks -------------------------------------------------------------------------------
                refused("more masks than styles", 400, "validation", t -> t.post(JOBS, job(CONTENT, STYLE, "{\"size\": 48}")
                        .png("mask", MASK).png("mask", MASK)), detailNames("mask")),
                refused("a mask for one of two styles", 400, "validation", t -> t.post(JOBS, job(CONTENT, STYLE, "{\"size\": 48}")
                        .png("style", STYLE).png("mask", MASK)), detailNames("2 styles but 1 mask")),
                refused("an all-black mask", 422, "invalid-image", t -> t.post(JOBS, job(CONTENT, STYLE, "{\"size\": 48}").png("style", STYLE)
                        .png("mask", MASK).png("mask", Images.png(Images.solid(64, 48, 0)))), detailNames("mask[1] is all black")),
                refused("a fully transparent mask", 422, "invalid-image", t -> t.post(JOBS, job(CONTENT, STYLE, "{\"size\": 48}")
                        .png("mask", Images.png(new BufferedImage(64, 48, BufferedImage.TYPE_INT_ARGB)))), detailNames("mask[0] is all black")),
                refused("a square mask for a 4:3 content", 422, "invalid-image", t -> t.post(JOBS, job(CONTENT, STYLE, "{\"size\": 48}")
                        .png("mask", Images.png(Images.solid(48, 48, 0xffffff)))), detailNames("mask[0] is 48×48")),
                refused("a mask 1.5 % off the content's aspect ratio", 422, "invalid-image", t -> t.post(JOBS, job(CONTENT, STYLE,
                        "{\"size\": 48}").png("mask", Images.png(Images.solid(65, 48, 0xffffff)))), detailNames("aspect")),
                refused("a mask that is not an image", 415, "unsupported-media-type", t -> t.post(JOBS, job(CONTENT, STYLE, "{\"size\": 48}")
                        .png("mask", ascii("white on the left")))),
                refused("masks with the w2 style loss", 400, "validation", t -> t.post(JOBS, job(CONTENT, STYLE,
                        "{\"size\": 48, \"styleLoss\": \"w2\"}").png("mask", MASK)), detailNames("styleLoss gram")),
                refused("a blend batch with a mask for one of two styles", 400, "validation", t -> t.post(BATCHES, job(CONTENT, STYLE, null)
                        .png("style", STYLE).png("mask", MASK).field("mode", "blend"))),
                refused("a grid batch whose mask does not fit its second content", 422, "invalid-image", t -> t.post(BATCHES,
                        job(CONTENT, STYLE, null).png("content", Images.png(Images.pattern(48, 48, 3))).png("mask", MASK).field("mode", "grid")),
                        detailNames("content[1]")),
                // --- options -----------------------------------------------------------------------------------
                refused("options that are not JSON", 400, "validation", t -> t.options("{size: 64")),
                refused("options that are a JSON array", 400, "validation", t -> t.options("[64]")),
                refused("unknown option", 400, "validation", t -> t.options("{\"sizee\": 64}")),
                refused("size far over pastiche.transfer.max-size", 400, "validation", t -> t.options("{\"size\": 100000}")),
                refused("negative iterations", 400, "validation", t -> t.options("{\"iterations\": -5}")),
                refused("iterations past Integer.MAX_VALUE", 400, "validation", t -> t.options("{\"iterations\": 99999999999}")),
                refused("NaN as a weight (not JSON)", 400, "validation", t -> t.options("{\"contentWeight\": NaN}")),
                refused("NaN as a quoted weight", 400, "validation", t -> t.options("{\"styleWeight\": \"NaN\"}")),
                refused("weight 1e400 (infinite)", 400, "validation", t -> t.options("{\"styleWeight\": 1e400}")),
                refused("negative learning rate", 400, "validation", t -> t.options("{\"optimizer\": \"adam\", \"learningRate\": -0.1}")),
                refused("size given as a string", 400, "validation", t -> t.options("{\"size\": \"big\"}")),
                refused("unknown optimizer", 400, "validation", t -> t.options("{\"optimizer\": \"sgd\"}")),
                refused("unknown content layer", 400, "validation", t -> t.options("{\"contentLayer\": \"block9_conv9\"}")),
                refused("unknown style layer", 400, "validation", t -> t.options("{\"styleLayers\": [\"block1_conv1\", \"fc7\"]}")),
                refused("no style layers", 400, "validation", t -> t.options("{\"styleLayers\": []}")),
                refused("styleWeights not one per style", 400, "validation", t -> t.options("{\"styleWeights\": [1, 2]}")),
                refused("styleScale 0", 400, "validation", t -> t.options("{\"styleScale\": 0}")),
                refused("styleScales not one per style", 400, "validation", t -> t.options("{\"styleScales\": [1, 2]}")),
                refused("a styleScales entry of 9", 400, "validation", t -> t.options("{\"styleScales\": [9]}")),
                refused("unknown colorMode", 400, "validation", t -> t.options("{\"colorMode\": \"sepia\"}")),
                refused("preserveColors true with colorMode histogram", 400, "validation",
                        t -> t.options("{\"preserveColors\": true, \"colorMode\": \"histogram\"}")),
                refused("negative deadlineSeconds", 400, "validation", t -> t.options("{\"deadlineSeconds\": -1}")),
                refused("outputFormat gif", 400, "validation", t -> t.options("{\"outputFormat\": \"gif\"}")),
                refused("webhook to loopback (SSRF guard)", 400, "validation",
                        t -> t.options("{\"webhook\": {\"url\": \"http://127.0.0.1:8080/hook\"}}")),
                refused("webhook to cloud metadata (SSRF guard)", 400, "validation",
                        t -> t.options("{\"webhook\": {\"url\": \"http://169.254.169.254/latest/meta-data/\"}}")),
                refused("webhook with a file: URL", 400, "validation", t -> t.options("{\"webhook\": {\"url\": \"file:///etc/passwd\"}}")),
                refused("content too thin for the deepest style layer (300×4 at size 64)", 400, "validation",
                        t -> t.post(JOBS, job(Images.png(Images.pattern(300, 4, 1)), STYLE, "{\"size\": 64}"))),
                refused("unknown metric", 400, "validation", t -> t.post(DISTANCE + "?metrics=bogus", pair())),
                refused("resize that is not a boolean", 400, "validation", t -> t.post(DISTANCE + "?resize=maybe", pair())),
                refused("a distance matrix of one image", 400, "validation", t -> t.post(MATRIX, new Multipart().png("image", CONTENT))),
                refused("a distance matrix of 65 images (API.md: 2–64)", 400, "validation", t -> {
                    Multipart body = new Multipart();
                    for (int i = 0; i < 65; i++) {
                        body.png("image", SMALL);
                    }
                    return t.post(MATRIX, body);
                }, detailNames("pastiche.scoring.matrix.max-images")),
                refused("a distance matrix over max-pixels, declared by two 70-byte PNGs", 422, "image-too-large",
                        t -> t.post(MATRIX, new Multipart().png("image", HostileImages.pngDeclaring(60_000, 60_000))
                                .png("image", HostileImages.pngDeclaring(60_000, 60_000))), detailNames("pastiche.scoring.matrix.max-pixels")),
                refused("a distance matrix with an unknown metric", 400, "validation",
                        t -> t.post(MATRIX, new Multipart().png("image", CONTENT).png("image", JPEG).field("metrics", "content,psnr"))),
                refused("a distance map of the style metric (not spatial)", 400, "validation",
                        t -> t.post(MAPS, pair().field("metric", "style")), detailNames("content, features")),
                refused("a distance map without a metric", 400, "validation", t -> t.post(MAPS, pair())),
                refused("feature maps of an unknown layer", 400, "validation", t -> t.post(FEATURE_MAPS,
                        new Multipart().png("image", CONTENT).field("layer", "block6_conv1"))),
                refused("feature maps with -1 channels", 400, "validation", t -> t.post(FEATURE_MAPS,
                        new Multipart().png("image", CONTENT).field("layer", "block1_conv1").field("channels", "-1"))),
                refused("feature maps with NaN channels", 400, "validation", t -> t.post(FEATURE_MAPS,
                        new Multipart().png("image", CONTENT).field("layer", "block1_conv1").field("channels", "NaN"))),
                refused("classification without an image", 400, "validation", t -> t.post(CLASSIFY, new Multipart().field("top", "5"))),
                refused("classification of the top 0", 400, "validation", t -> t.post(CLASSIFY,
                        new Multipart().png("image", CONTENT).field("top", "0")), detailNames("top")),
                refused("classification of the top 1001 (of 1000 classes)", 400, "validation", t -> t.post(CLASSIFY,
                        new Multipart().png("image", CONTENT).field("top", "1001")), detailNames("1000")),
                refused("classification of the top abc", 400, "validation", t -> t.post(CLASSIFY,
                        new Multipart().png("image", CONTENT).field("top", "abc"))),
                refused("classification of a 400×400 image over max-pixels", 422, "image-too-large", t -> t.post(CLASSIFY,
                        new Multipart().png("image", Images.png(Images.solid(400, 400, 0x336699))))),
                refused("classification of random bytes", 415, "unsupported-media-type", t -> t.post(CLASSIFY,
                        new Multipart().file("image", "x.png", "image/png", random(4096, 2)))),
                accepted("classification on random weights, which says the classifier is random", 200, t -> t.post(CLASSIFY,
                        new Multipart().png("image", CONTENT).field("top", "3")), response -> {
                            var body = json(response);
                            assertThat(body.get("predictions")).hasSize(3);
                            assertThat(body.get("predictions").get(0).get("probability").asDouble())
                                    .isGreaterThanOrEqualTo(body.get("predictions").get(2).get("probability").asDouble());
                            assertThat(body.get("model").get("weights").get("pretrained").asBoolean()).isFalse();
                            assertThat(body.get("model").get("classifier").get("keys").asString()).isEqualTo("random");
                            assertThat(body.get("model").get("classifier").get("pretrained").asBoolean()).isFalse();
                            assertThat(response.headers().firstValue("Pastiche-Weights")).hasValue("random");
                        }),
                refused("architecture with stackChannels 0", 400, "validation", t -> t.get("/v1/models/vgg19?stackChannels=0")),
                refused("model architecture at height abc", 400, "validation", t -> t.get("/v1/models/vgg19?height=abc")),
                refused("model architecture at width 10^9", 400, "validation", t -> t.get("/v1/models/vgg19?width=1000000000")),
                refused("unknown model variant", 404, "not-found", t -> t.get("/v1/models/vgg99")),
                refused("batch in an unknown mode", 400, "validation",
                        t -> t.post(BATCHES, job(CONTENT, STYLE, null).field("mode", "mosaic"))),
                // --- jobs --------------------------------------------------------------------------------------
                refused("unknown job id", 404, "not-found", t -> t.get(JOBS + "/" + UUID.randomUUID())),
                refused("job id that is not a UUID", 400, "validation", t -> t.get(JOBS + "/not-a-uuid")),
                refused("job id that is SQL", 400, "validation", t -> t.get(JOBS + "/1%27%20OR%20%271%27=%271")),
                refused("job id with encoded slashes (refused by Tomcat before the application)", 400, "validation",
                        t -> t.get(JOBS + "/..%2F..%2Fetc%2Fpasswd"), BadInputCatalogueTests::saysNothingOfTheServer),
                refused("job id with an encoded NUL (refused by Tomcat before the application)", 400, "validation",
                        t -> t.get(JOBS + "/%00"), BadInputCatalogueTests::saysNothingOfTheServer),
                refused("model name with an encoded backslash (refused by Tomcat before the application)", 400, "validation",
                        t -> t.get("/v1/models/a%5Cb"), BadInputCatalogueTests::saysNothingOfTheServer),
                refused("unknown batch id", 404, "not-found", t -> t.get(BATCHES + "/" + UUID.randomUUID())),
                refused("result of a queued job", 409, "not-ready", t -> t.get(JOBS + "/" + t.alphaJob + "/result")),
                refused("preview of a job with none yet", 404, "not-found", t -> t.get(JOBS + "/" + t.alphaJob + "/preview")),
                refused("events resumed after Last-Event-ID abc", 400, "validation",
                        t -> t.api.get(JOBS + "/" + t.alphaJob + "/events", "Authorization", ALPHA, "Last-Event-ID", "abc")),
                refused("page of 0 jobs", 400, "validation", t -> t.get(JOBS + "?limit=0")),
                refused("page of 10^6 jobs", 400, "validation", t -> t.get(JOBS + "?limit=1000000")),
                refused("page of jobs in an unknown status", 400, "validation", t -> t.get(JOBS + "?status=exploded")),
                refused("page after a cursor that is not a UUID", 400, "validation", t -> t.get(JOBS + "?cursor=1%20OR%201=1")),
                refused("Idempotency-Key of 256 characters", 400, "validation",
                        t -> t.post(JOBS, job(CONTENT, STYLE, "{\"size\": 48}"), "Idempotency-Key", "k".repeat(256))),
                refused("Idempotency-Key reused with a different body", 409, "idempotency-conflict", t -> {
                    String key = "catalogue-" + UUID.randomUUID();
                    HttpResponse<byte[]> first = t.post(JOBS, job(CONTENT, STYLE, "{\"size\": 48}"), "Idempotency-Key", key);
                    assertThat(first.statusCode()).isEqualTo(202);
                    t.created.add(UUID.fromString(json(first).get("id").asString()));
                    HttpResponse<byte[]> same = t.post(JOBS, job(CONTENT, STYLE, "{\"size\": 48}"), "Idempotency-Key", key);
                    assertThat(json(same).get("id").asString()).as("a repeat replays the first job").isEqualTo(json(first).get("id").asString());
                    return t.post(JOBS, job(CONTENT, STYLE, "{\"size\": 64}"), "Idempotency-Key", key);
                }),
                accepted("cancel twice", 202, t -> {
                    UUID id = t.newJob();
                    assertThat(t.cancel(id).statusCode()).isEqualTo(202);
                    return t.cancel(id);
                }, response -> assertThat(json(response).get("status").asString()).isEqualTo("cancelled")),
                accepted("delete while running", 204, t -> {
                    UUID id = t.newJob();
                    // as a worker elsewhere in the cluster would have it: this service runs no worker
                    assertThat(t.jdbc.update("UPDATE style_transfer_job SET status = 'RUNNING', started_at = CURRENT_TIMESTAMP WHERE id = ?", id))
                            .isEqualTo(1);
                    assertThat(json(t.get(JOBS + "/" + id)).get("status").asString()).isEqualTo("running");
                    HttpResponse<byte[]> deleted = t.api.delete(JOBS + "/" + id, "Authorization", ALPHA);
                    assertProblem(t.get(JOBS + "/" + id), 404, "not-found", JOBS + "/" + id);
                    return deleted;
                }),
                refused("delete twice", 404, "not-found", t -> {
                    UUID id = t.newJob();
                    assertThat(t.api.delete(JOBS + "/" + id, "Authorization", ALPHA).statusCode()).isEqualTo(204);
                    return t.api.delete(JOBS + "/" + id, "Authorization", ALPHA);
                }),
                refused("wrong method on the jobs", 405, "method-not-allowed",
                        t -> t.api.send("PUT", JOBS, HttpRequest.BodyPublishers.noBody(), "Authorization", ALPHA)),
                refused("Accept: application/xml only", 406, "not-acceptable",
                        t -> t.api.get("/v1/models", "Authorization", ALPHA, "Accept", "application/xml")),
                // --- classifiers (issue 17) ---------------------------------------------------------------------
                refused("a classifier of one class only", 400, "validation", t -> t.post(CLASSIFIERS, new Multipart()
                        .png("image", CONTENT).field("label", "cats").png("image", STYLE).field("label", "cats")), detailNames("2 to 100 classes")),
                refused("a classifier with more labels than images", 400, "validation", t -> t.post(CLASSIFIERS, new Multipart()
                        .png("image", CONTENT).field("label", "cats").png("image", STYLE).field("label", "dogs").field("label", "owls")),
                        detailNames("3 labels for 2 images")),
                refused("a classifier zip with an empty class folder", 400, "validation",
                        t -> t.classifierZip(Map.of("cats/a.png", CONTENT, "cats/b.png", STYLE, "dogs/", new byte[0])),
                        detailNames("'dogs' has no images")),
                refused("a classifier zip bomb (8 MB of zeros in 8 kB, max-uncompressed 4MB)", 413, "payload-too-large",
                        t -> t.classifierZip(Map.of("cats/bomb.png", new byte[8 << 20], "dogs/a.png", CONTENT)), detailNames("max-uncompressed")),
                refused("a classifier zip with a path traversal ../x.png", 400, "validation",
                        t -> t.classifierZip(Map.of("../x.png", CONTENT, "cats/a.png", CONTENT, "dogs/a.png", STYLE)), detailNames("unsafe path")),
                refused("a classifier zip with an absolute path", 400, "validation",
                        t -> t.classifierZip(Map.of("/etc/cats/a.png", CONTENT, "dogs/a.png", STYLE)), detailNames("unsafe path")),
                refused("a classifier zip with a folder in a folder", 400, "validation",
                        t -> t.classifierZip(Map.of("cats/more/a.png", CONTENT, "dogs/a.png", STYLE)), detailNames("exactly one folder")),
                refused("a classifier zip with a file that is not an image", 400, "validation",
                        t -> t.classifierZip(Map.of("cats/a.png", CONTENT, "dogs/notes.txt", ascii("woof"))), detailNames("notes.txt")),
                refused("a classifier zip of 101 classes (max-classes 100)", 400, "validation", t -> {
                    Map<String, byte[]> entries = new java.util.LinkedHashMap<>();
                    for (int i = 0; i <= 100; i++) {
                        entries.put("class" + i + "/a.png", SMALL);
                    }
                    return t.classifierZip(entries);
                }, detailNames("2 to 100 classes")),
                refused("a classifier zip that is not a zip", 400, "validation", t -> t.post(CLASSIFIERS,
                        new Multipart().file("zip", "set.zip", "application/zip", random(2000, 4)))),
                refused("a classifier with both image parts and a zip", 400, "validation", t -> t.post(CLASSIFIERS, new Multipart()
                        .png("image", CONTENT).field("label", "cats").file("zip", "set.zip", "application/zip", zipOf(CONTENT)))),
                refused("a classifier with neither image parts nor a zip", 400, "validation",
                        t -> t.post(CLASSIFIERS, new Multipart().json("options", "{}"))),
                refused("a classifier image declaring 60000×60000", 422, "image-too-large", t -> t.post(CLASSIFIERS, new Multipart()
                        .png("image", CONTENT).field("label", "cats").png("image", HostileImages.pngDeclaring(60_000, 60_000))
                        .field("label", "dogs"))),
                refused("a classifier with an unknown option", 400, "validation",
                        t -> t.post(CLASSIFIERS, classifierParts().json("options", "{\"epoch\": 5}")), detailNames("epoch")),
                refused("a classifier holding out 90 %", 400, "validation",
                        t -> t.post(CLASSIFIERS, classifierParts().json("options", "{\"heldOutFraction\": 0.9}")), detailNames("heldOutFraction")),
                refused("a prediction of an untrained classifier", 409, "not-ready", t -> t.post(CLASSIFIERS + "/" + t.classifier(ALPHA)
                        + "/predictions", new Multipart().png("image", CONTENT))),
                refused("a prediction of another key's classifier", 404, "not-found", t -> t.post(CLASSIFIERS + "/" + t.classifier(BETA)
                        + "/predictions", new Multipart().png("image", CONTENT))),
                refused("another key's classifier", 404, "not-found", t -> t.get(CLASSIFIERS + "/" + t.classifier(BETA))),
                refused("deleting another key's classifier", 404, "not-found",
                        t -> t.api.delete(CLASSIFIERS + "/" + t.classifier(BETA), "Authorization", ALPHA)),
                // --- errors from below the handlers: every one a problem too (issue 16) ---------------------------
                refused("an unknown path outside the API", 404, "not-found", t -> t.api.get("/no-such-page.html")),
                refused("an unknown path under /v1", 404, "not-found", t -> t.get("/v1/no-such-thing")),
                refused("DELETE on the models", 405, "method-not-allowed",
                        t -> t.api.send("DELETE", "/v1/models", HttpRequest.BodyPublishers.noBody(), "Authorization", ALPHA)),
                refused("POST to the readiness probe", 405, "method-not-allowed",
                        t -> t.api.send("POST", "/actuator/health/readiness", HttpRequest.BodyPublishers.noBody())),
                refused("feature maps (a PNG) with Accept: application/json only", 406, "not-acceptable", t -> t.api.post(FEATURE_MAPS,
                        new Multipart().png("image", CONTENT).field("layer", "block1_conv1"), "Authorization", ALPHA, "Accept", "application/json")),
                refused("events (a stream) with Accept: application/json only", 406, "not-acceptable",
                        t -> t.api.get(JOBS + "/" + t.alphaJob + "/events", "Authorization", ALPHA, "Accept", "application/json")),
                refused("a form-urlencoded body", 415, "unsupported-media-type",
                        t -> t.raw("POST", DISTANCE, "application/x-www-form-urlencoded", ascii("reference=a.png&candidate=b.png"))),
                refused("a 64 KB header (over server.max-http-request-header-size)", 400, "validation",
                        t -> t.api.get("/v1/models", "Authorization", ALPHA, "X-Padding", "p".repeat(64 * 1024)),
                        BadInputCatalogueTests::saysNothingOfTheServer),
                // unread, the request line gives the problem no instance
                answered("a 64 KB query string (the request line over the same limit)", 400,
                        t -> t.get("/v1/models?padding=" + "p".repeat(64 * 1024)),
                        problemWithoutInstance("validation").andThen(BadInputCatalogueTests::saysNothingOfTheServer)),
                // --- keys --------------------------------------------------------------------------------------
                refused("no API key", 401, "unauthorized", t -> t.api.get(JOBS + "/" + t.alphaJob)),
                refused("unknown API key", 401, "unauthorized", t -> t.api.get(JOBS, "Authorization", "Bearer not-a-key")),
                refused("empty bearer", 401, "unauthorized", t -> t.api.get(JOBS, "Authorization", "Bearer ")),
                refused("key in the Basic scheme", 401, "unauthorized", t -> t.api.get(JOBS, "Authorization", "Basic "
                        + java.util.Base64.getEncoder().encodeToString((GuardedServiceTest.ALPHA + ":").getBytes(StandardCharsets.UTF_8)))),
                refused("a valid key with a trailing character", 401, "unauthorized",
                        t -> t.api.get(JOBS, "Authorization", ALPHA + "x")),
                refused("another key's job", 404, "not-found", t -> t.get(JOBS + "/" + t.betaJob)),
                refused("another key's result", 404, "not-found", t -> t.get(JOBS + "/" + t.betaJob + "/result")),
                refused("another key's events", 404, "not-found", t -> t.get(JOBS + "/" + t.betaJob + "/events")),
                refused("cancelling another key's job", 404, "not-found", t -> t.cancel(t.betaJob)),
                refused("deleting another key's job", 404, "not-found", t -> t.api.delete(JOBS + "/" + t.betaJob, "Authorization", ALPHA)),
                refused("paging after another key's job", 404, "not-found", t -> t.get(JOBS + "?cursor=" + t.betaJob)));
    }

    @Order(1)
    @ParameterizedTest(name = "{0}")
    @MethodSource("catalogue")
    void getsItsStatusAndSlug(Case entry) {
        HttpResponse<byte[]> response = entry.call().apply(this);

        assertThat(response.statusCode()).as("never a 5xx: %s", ApiClient.text(response)).isLessThan(500);
        if (entry.slug() == null) {
            assertThat(response.statusCode()).as("status (body %s)", ApiClient.text(response)).isEqualTo(entry.status());
        } else {
            assertProblem(response, entry.status(), entry.slug(), response.request().uri().getRawPath());
        }
        entry.check().accept(response);
    }

    @Test
    @Order(2)
    void catalogueHasAtLeastFortyCases() {
        assertThat(catalogue().count()).isGreaterThanOrEqualTo(40);
    }

    @Test
    @Order(3)
    void storedJobsAreUnchangedAndRefusedRequestsLeftNothingBehind() throws IOException {
        Map<UUID, Map<String, Object>> now = rows();
        bystanders.forEach((id, row) -> assertThat(now.get(id)).as("job %s", id).isEqualTo(row));
        assertThat(now.keySet()).as("only bystanders and the jobs accepted cases made")
                .allMatch(id -> bystanders.containsKey(id) || created.contains(id));
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM style_transfer_batch", Long.class)).isZero();

        Set<String> referenced = now.values().stream().flatMap(row -> Stream.concat(Stream.of(row.get("content_blob"),
                        row.get("preview_blob"), row.get("result_blob")), Stream.of((row.get("style_blobs") + "," + row.get("mask_blobs")).split("[^0-9a-f]+"))))
                .filter(key -> key != null && String.valueOf(key).length() == 64).map(String::valueOf).collect(Collectors.toSet());
        referenced.addAll(jdbc.queryForList("SELECT images_blob FROM classifier WHERE images_blob IS NOT NULL", String.class));
        assertThat(jdbc.queryForList("SELECT id FROM classifier", UUID.class)).as("only the classifiers made on purpose")
                .containsExactlyInAnyOrderElementsOf(classifiers.values());
        Path root = storage.root().toAbsolutePath();
        try (Stream<Path> files = Files.walk(root)) {
            List<Path> all = files.filter(Files::isRegularFile).toList();
            assertThat(all).as("no half-written uploads").noneMatch(p -> p.getFileName().toString().endsWith(".part"));
            assertThat(all.stream().map(p -> p.getFileName().toString())).as("every stored image belongs to a job")
                    .allMatch(referenced::contains);
        }
    }

    // --- requests ---------------------------------------------------------------------------------------

    private static Arguments refused(String name, int status, String slug, Function<BadInputCatalogueTests, HttpResponse<byte[]>> call) {
        return Arguments.of(Named.of(name, new Case(status, slug, call, response -> { })));
    }

    private static Arguments refused(String name, int status, String slug, Function<BadInputCatalogueTests, HttpResponse<byte[]>> call,
            Consumer<HttpResponse<byte[]>> check) {
        return Arguments.of(Named.of(name, new Case(status, slug, call, check)));
    }

    /** The problem's detail says what to fix: it names {@code what}. */
    private static Consumer<HttpResponse<byte[]>> detailNames(String what) {
        return response -> assertThat(json(response).get("detail").asString()).contains(what);
    }

    private static BufferedImage leftHalf(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width / 2; x++) {
                image.setRGB(x, y, 0xffffff);
            }
        }
        return image;
    }

    private static Arguments accepted(String name, int status, Function<BadInputCatalogueTests, HttpResponse<byte[]>> call) {
        return accepted(name, status, call, response -> { });
    }

    private static Arguments accepted(String name, int status, Function<BadInputCatalogueTests, HttpResponse<byte[]>> call,
            Consumer<HttpResponse<byte[]>> check) {
        return answered(name, status, call, check);
    }

    /** A case whose answer is no RFC 9457 problem: a success, or a refusal from below the application. */
    private static Arguments answered(String name, int status, Function<BadInputCatalogueTests, HttpResponse<byte[]>> call,
            Consumer<HttpResponse<byte[]>> check) {
        return Arguments.of(Named.of(name, new Case(status, null, call, check)));
    }

    private static Consumer<HttpResponse<byte[]>> problemWithoutInstance(String slug) {
        return response -> {
            assertThat(ApiClient.contentType(response)).startsWith("application/problem+json");
            assertThat(json(response).path("type").asString()).isEqualTo(ProblemType.BASE + slug);
            assertThat(json(response).path("status").asInt()).isEqualTo(response.statusCode());
            assertThat(json(response).path("title").asString()).isNotBlank();
            assertThat(json(response).path("detail").asString()).isNotBlank();
            assertThat(json(response).has("instance")).isFalse();
        };
    }

    /**
     * Tomcat refuses some request paths before any filter or handler sees them; its error report is
     * the service's problem document ({@link ProblemErrorReportValve}), and says nothing about the server.
     */
    private static void saysNothingOfTheServer(HttpResponse<byte[]> response) {
        assertThat(ApiClient.text(response)).doesNotContainIgnoringCase("tomcat").doesNotContain("Exception", "at org.");
    }

    private HttpResponse<byte[]> get(String path) {
        return api.get(path, "Authorization", ALPHA);
    }

    private HttpResponse<byte[]> post(String path, Multipart body, String... headers) {
        String[] all = Stream.concat(Stream.of("Authorization", ALPHA), Stream.of(headers)).toArray(String[]::new);
        return api.post(path, body, all);
    }

    private HttpResponse<byte[]> raw(String method, String path, String contentType, byte[] body) {
        return api.send(method, path, HttpRequest.BodyPublishers.ofByteArray(body), "Authorization", ALPHA, "Content-Type", contentType);
    }

    private HttpResponse<byte[]> cancel(UUID id) {
        return api.send("POST", JOBS + "/" + id + "/cancel", HttpRequest.BodyPublishers.noBody(), "Authorization", ALPHA);
    }

    private HttpResponse<byte[]> distance(byte[] candidate) {
        return post(DISTANCE, new Multipart().png("reference", CONTENT).png("candidate", candidate));
    }

    private HttpResponse<byte[]> featureMap(byte[] image) {
        return post(FEATURE_MAPS, new Multipart().file("image", "image", "application/octet-stream", image)
                .field("layer", "block1_conv1").field("channels", "4"));
    }

    private HttpResponse<byte[]> options(String options) {
        return post(JOBS, job(CONTENT, STYLE, options));
    }

    private HttpResponse<byte[]> hugeDeclaredPng() {
        byte[] png = HostileImages.pngDeclaring(60_000, 60_000);
        assertThat(png).hasSizeLessThan(100);
        long peakBefore = ProcessMemory.peakRss();
        long start = System.nanoTime();
        HttpResponse<byte[]> response = distance(png);
        // decoding would need 60000² × 4 bytes = 14 GB: refused from the header, it costs nothing
        assertThat((System.nanoTime() - start) / 1_000_000).as("ms").isLessThan(5_000);
        assertThat(ProcessMemory.peakRss() - peakBefore).as("peak RSS growth").isLessThan(256L << 20);
        return response;
    }

    private UUID submit(String key, Multipart body) {
        HttpResponse<byte[]> response = api.post(JOBS, body, "Authorization", key);
        assertThat(response.statusCode()).as(ApiClient.text(response)).isEqualTo(202);
        return UUID.fromString(json(response).get("id").asString());
    }

    /** The key's one classifier, made on first use (it stays queued: this service runs no worker). */
    private UUID classifier(String key) {
        return classifiers.computeIfAbsent(key, k -> {
            HttpResponse<byte[]> response = api.post(CLASSIFIERS, classifierParts(), "Authorization", k);
            assertThat(response.statusCode()).as(ApiClient.text(response)).isEqualTo(202);
            return UUID.fromString(json(response).get("id").asString());
        });
    }

    private static Multipart classifierParts() {
        return new Multipart().png("image", CONTENT).field("label", "cats").png("image", STYLE).field("label", "dogs");
    }

    private HttpResponse<byte[]> classifierZip(Map<String, byte[]> entries) {
        return post(CLASSIFIERS, new Multipart().file("zip", "set.zip", "application/zip", dev.pastiche.testing.Textures.zip(entries)));
    }

    private UUID newJob() {
        UUID id = submit(ALPHA, job(CONTENT, STYLE, "{\"size\": 48, \"iterations\": 1, \"seed\": " + created.size() + "}"));
        created.add(id);
        return id;
    }

    private static Multipart job(byte[] content, byte[] style, String options) {
        Multipart body = new Multipart().png("content", content).png("style", style);
        return options == null ? body : body.json("options", options);
    }

    private static Multipart pair() {
        return new Multipart().png("reference", CONTENT).png("candidate", CONTENT);
    }

    private static Consumer<HttpResponse<byte[]>> uprightSize() {
        return response -> {
            assertThat(json(response).get("width").asInt()).isEqualTo(32);
            assertThat(json(response).get("height").asInt()).isEqualTo(24);
        };
    }

    private Map<UUID, Map<String, Object>> rows() {
        return jdbc.queryForList("SELECT * FROM style_transfer_job").stream()
                .collect(Collectors.toMap(row -> (UUID) row.get("id"), row -> row));
    }

    // --- bytes ------------------------------------------------------------------------------------------

    private static byte[] fixture(String name) {
        try (InputStream in = BadInputCatalogueTests.class.getResourceAsStream("/images/" + name)) {
            assertThat(in).as("fixture %s", name).isNotNull();
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] half(byte[] bytes) {
        return Arrays.copyOf(bytes, bytes.length / 2);
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] random(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static byte[] gif() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            javax.imageio.ImageIO.write(Images.pattern(64, 48, 3), "gif", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static byte[] zipOf(byte[] entry) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry("image.png"));
            zip.write(entry);
            zip.closeEntry();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
