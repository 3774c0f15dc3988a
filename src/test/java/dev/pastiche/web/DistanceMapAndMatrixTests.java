package dev.pastiche.web;

import static dev.pastiche.web.ApiClient.assertProblem;
import static dev.pastiche.web.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.pastiche.web.ApiClient.Images;
import dev.pastiche.web.ApiClient.Multipart;
import java.awt.image.BufferedImage;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * Scoring beyond pairs over real HTTP (API.md): distance matrices that equal the pairwise endpoint,
 * distance maps whose mean is the scalar distance, and the metric card on every answer.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "pastiche.weights.source=random",
        "pastiche.scoring.matrix.max-images=5",
        "pastiche.scoring.matrix.max-pixels=40000"})
class DistanceMapAndMatrixTests {

    private static final String DISTANCE = "/v1/perceptual-distance";
    private static final String MAPS = "/v1/perceptual-distance-maps";
    private static final String MATRIX = "/v1/perceptual-distance-matrix";
    private static final List<String> METRICS = List.of("content", "style", "features");

    @LocalServerPort
    int port;

    private ApiClient api;
    private final List<byte[]> images = List.of(Images.png(Images.pattern(72, 56, 1)), Images.png(Images.noise(72, 56, 2)),
            Images.png(Images.pattern(72, 56, 5)), Images.png(Images.solid(72, 56, 0x336699)));

    @BeforeEach
    void client() {
        api = new ApiClient(port);
    }

    @Test
    void aMatrixIsThePairwiseDistancesWithAZeroDiagonal() {
        Multipart body = new Multipart();
        images.forEach(image -> body.png("image", image));

        JsonNode matrix = json(api.post(MATRIX, body));

        for (String metric : METRICS) {
            JsonNode values = matrix.get("metrics").get(metric);
            assertThat(values).hasSize(4);
            for (int i = 0; i < 4; i++) {
                assertThat(values.get(i).get(i).asDouble()).as("%s diagonal", metric).isZero();
                for (int j = i + 1; j < 4; j++) {
                    double pairwise = json(api.post(DISTANCE, pair(images.get(i), images.get(j)))).get(metric).asDouble();
                    assertThat(values.get(i).get(j).asDouble()).as("%s %d,%d", metric, i, j).isCloseTo(pairwise, within(1e-5 * pairwise));
                    assertThat(values.get(j).get(i).asDouble()).as("symmetric").isEqualTo(values.get(i).get(j).asDouble());
                }
            }
        }
        assertThat(matrix.get("images").get(2).get("sha256").asString()).hasSize(64);
        assertThat(matrix.get("metric").get("taps").get("style")).hasSize(5);
    }

    @Test
    void referencesGiveOneRowEach() {
        Multipart body = new Multipart().png("reference", images.get(0)).png("reference", images.get(1));
        images.subList(2, 4).forEach(image -> body.png("image", image));

        JsonNode matrix = json(api.post(MATRIX, body.field("metrics", "content")));

        JsonNode content = matrix.get("metrics").get("content");
        assertThat(content).hasSize(2);
        assertThat(content.get(0)).hasSize(2);
        assertThat(matrix.get("metrics").has("style")).isFalse();
        double pairwise = json(api.post(DISTANCE, pair(images.get(1), images.get(3)))).get("content").asDouble();
        assertThat(content.get(1).get(1).asDouble()).isCloseTo(pairwise, within(1e-5 * pairwise));
    }

    @Test
    void aMapsMeanIsTheScalarDistance() {
        for (String metric : List.of("content", "features")) {
            HttpResponse<byte[]> answer = api.post(MAPS, pair(images.get(0), images.get(2)).field("metric", metric), "Accept", "application/json");
            JsonNode map = json(answer);
            double scalar = json(api.post(DISTANCE, pair(images.get(0), images.get(2)))).get(metric).asDouble();

            assertThat(map.get("width").asInt() * map.get("height").asInt()).isEqualTo(map.get("values").size()).isEqualTo(72 * 56);
            double sum = 0;
            for (JsonNode v : map.get("values")) {
                sum += v.asDouble();
            }
            assertThat(sum / map.get("values").size()).as("%s map mean", metric).isCloseTo(scalar, within(0.02 * scalar));
            assertThat(map.get("metric").get("taps").has(metric)).isTrue();
        }
    }

    @Test
    void aMapIsAHeatmapPngAtTheReferencesSizeWithALegendAndCanBeLaidOverIt() {
        HttpResponse<byte[]> plain = api.post(MAPS, pair(images.get(0), images.get(1)).field("metric", "features"));
        HttpResponse<byte[]> overlaid = api.post(MAPS, pair(images.get(0), images.get(1)).field("metric", "features").field("overlay", "true"));

        assertThat(plain.headers().firstValue("Content-Type")).contains("image/png");
        BufferedImage image = Images.decode(plain.body());
        assertThat(image.getWidth()).isEqualTo(72);
        assertThat(image.getHeight()).as("the map and its legend strip").isGreaterThan(56);
        assertThat(Double.parseDouble(plain.headers().firstValue("Pastiche-Map-Max").orElseThrow())).isPositive();
        assertThat(Images.decode(overlaid.body()).getRGB(10, 10)).isNotEqualTo(image.getRGB(10, 10));
    }

    @Test
    void aLargeMapComesAsAtMost256ValuesOnItsLongSide() {
        byte[] wide = Images.png(Images.pattern(400, 100, 3));
        byte[] other = Images.png(Images.noise(400, 100, 4));

        JsonNode map = json(api.post(MAPS, pair(wide, other).field("metric", "content"), "Accept", "application/json"));

        assertThat(map.get("width").asInt()).isEqualTo(256);
        assertThat(map.get("height").asInt()).isEqualTo(64);
        assertThat(map.get("scale").asDouble()).isCloseTo(400 / 256.0, within(1e-9));
    }

    @Test
    void badMapsAndMatricesAreRefusedSayingWhatToFix() {
        JsonNode style = assertProblem(api.post(MAPS, pair(images.get(0), images.get(1)).field("metric", "style")), 400, "validation", MAPS);
        assertThat(style.get("detail").asString()).contains("content, features");
        assertProblem(api.post(MAPS, pair(images.get(0), images.get(1)).field("metric", "bogus")), 400, "validation", MAPS);
        assertProblem(api.post(MATRIX, new Multipart().png("image", images.get(0))), 400, "validation", MATRIX);
        Multipart six = new Multipart();
        for (int i = 0; i < 6; i++) {
            six.png("image", Images.png(Images.pattern(40, 40, i)));
        }
        assertProblem(api.post(MATRIX, six), 400, "validation", MATRIX);
        Multipart large = new Multipart().png("image", images.get(0)).png("image", Images.png(Images.pattern(200, 190, 1)));
        JsonNode pixels = assertProblem(api.post(MATRIX, large), 422, "image-too-large", MATRIX);
        assertThat(pixels.get("detail").asString()).contains("pastiche.scoring.matrix.max-pixels");
        // resized, every image is scored at the first one's size: counted so
        Multipart stretched = new Multipart().png("image", Images.png(Images.pattern(200, 190, 1))).png("image", Images.png(Images.pattern(8, 8, 1)));
        assertProblem(api.post(MATRIX, stretched.field("resize", "true")), 422, "image-too-large", MATRIX);
        Multipart sizes = new Multipart().png("image", images.get(0)).png("image", Images.png(Images.pattern(40, 40, 1)));
        assertProblem(api.post(MATRIX, sizes), 422, "invalid-image", MATRIX);
        assertThat(json(api.post(MATRIX, sizes.field("resize", "true"))).get("metrics").get("content")).hasSize(2);
    }

    @Test
    void everyScoringAnswerCarriesItsMetricCard() {
        JsonNode card = json(api.post(DISTANCE, pair(images.get(0), images.get(1)))).get("metric");

        assertThat(card.get("backbone").asString()).startsWith("vgg19");
        assertThat(card.get("taps").get("content").get(0).asString()).isEqualTo("block4_conv2");
        assertThat(card.get("normalisation").asString()).contains("0.485");
        assertThat(card.get("resize").asString()).startsWith("none");
        assertThat(card.get("weightsSource").asString()).isEqualTo("random");
        assertThat(card.get("pretrained").asBoolean()).isFalse();
    }

    /** Without its files lpips is listed as unavailable, and a request naming it is a 503 saying which properties to set. */
    @Test
    void withoutItsFilesLpipsIsUnavailableAndTheOtherMetricsWork() {
        JsonNode metrics = json(api.get("/v1/models")).get("metrics");
        JsonNode lpips = metrics.valueStream().filter(m -> m.get("name").asString().equals("lpips")).findFirst().orElseThrow();
        assertThat(lpips.get("available").asBoolean()).isFalse();
        assertThat(lpips.get("reason").asString()).contains("pastiche.lpips.backbone-path", "pastiche.lpips.weights-path");
        assertThat(metrics.valueStream().filter(m -> m.get("available").asBoolean()).map(m -> m.get("name").asString()))
                .containsExactly("content", "style", "features");

        for (HttpResponse<byte[]> refused : List.of(api.post(DISTANCE, pair(images.get(0), images.get(1)).field("metrics", "content,lpips")),
                api.post(MAPS, pair(images.get(0), images.get(1)).field("metric", "lpips")),
                api.post(MATRIX, new Multipart().png("image", images.get(0)).png("image", images.get(1)).field("metrics", "lpips")))) {
            JsonNode problem = assertProblem(refused, 503, "model-unavailable", refused.request().uri().getPath());
            assertThat(problem.get("detail").asString()).contains("pastiche.lpips.backbone-path", "pastiche.lpips.weights-path");
        }
        assertThat(json(api.post(DISTANCE, pair(images.get(0), images.get(1)))).get("content").asDouble()).isPositive();
    }

    private static Multipart pair(byte[] reference, byte[] candidate) {
        return new Multipart().png("reference", reference).png("candidate", candidate);
    }
}
