package dev.pastiche.web;

import static dev.pastiche.web.ApiClient.assertProblem;
import static dev.pastiche.web.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/** Batches over real HTTP: a 2×2 grid with its zip, and blends with and without masks. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "pastiche.weights.source=random")
class BatchTests {

    private static final String BATCHES = "/v1/style-transfer-batches";

    @LocalServerPort
    int port;

    private ApiClient api;

    @BeforeEach
    void client() {
        api = new ApiClient(port);
    }

    private static ApiClient.Multipart batch(String mode) {
        return new ApiClient.Multipart()
                .png("content", ApiClient.Images.png(ApiClient.Images.pattern(40, 32, 1)))
                .png("content", ApiClient.Images.png(ApiClient.Images.pattern(32, 40, 3)))
                .png("style", ApiClient.Images.png(ApiClient.Images.pattern(32, 32, 2)))
                .png("style", ApiClient.Images.png(ApiClient.Images.pattern(32, 32, 4)))
                .json("options", "{\"size\": 40, \"iterations\": 2, \"optimizer\": \"adam\"}")
                .field("mode", mode);
    }

    @Test
    void aGridRunsEveryContentWithEveryStyleAndZipsTheResults() throws Exception {
        HttpResponse<byte[]> created = api.post(BATCHES, batch("grid"));
        assertThat(created.statusCode()).isEqualTo(202);
        JsonNode batch = json(created);
        String id = batch.get("id").asString();
        assertThat(created.headers().firstValue("Location")).contains(BATCHES + "/" + id);
        assertThat(batch.get("jobs")).hasSize(4);
        assertThat(batch.get("mode").asString()).isEqualTo("grid");

        JsonNode done = await(id);
        assertThat(done.get("counts").get("succeeded").asInt()).isEqualTo(4);

        HttpResponse<byte[]> zip = api.get(BATCHES + "/" + id + "/results.zip");
        assertThat(zip.statusCode()).isEqualTo(200);
        List<String> names = new ArrayList<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip.body()))) {
            for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
                names.add(entry.getName());
                assertThat(ImageIO.read(new ByteArrayInputStream(in.readAllBytes()))).as(entry.getName()).isNotNull();
            }
        }
        assertThat(names).containsExactlyInAnyOrder("content-01_style-01.png", "content-01_style-02.png",
                "content-02_style-01.png", "content-02_style-02.png");
    }

    @Test
    void aBlendRunsEveryContentWithAllStyles() throws Exception {
        JsonNode batch = json(api.post(BATCHES, batch("blend")));
        assertThat(batch.get("jobs")).hasSize(2);
        String job = batch.get("jobs").get(0).asString();
        JsonNode options = json(api.get("/v1/style-transfers/" + job)).get("options");
        assertThat(options.get("styleWeights")).hasSize(2);
        assertThat(await(batch.get("id").asString()).get("counts").get("succeeded").asInt()).isEqualTo(2);
    }

    /** One mask set for every content of a blend batch: each job runs with both masks and records them. */
    @Test
    void aMaskedBlendGivesEveryContentTheSameMasks() throws Exception {
        java.awt.image.BufferedImage top = new java.awt.image.BufferedImage(40, 32, java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
        java.awt.image.BufferedImage bottom = new java.awt.image.BufferedImage(40, 32, java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 40; x++) {
                (y < 16 ? top : bottom).getRaster().setSample(x, y, 0, 255);
            }
        }
        ApiClient.Multipart body = new ApiClient.Multipart()
                .png("content", ApiClient.Images.png(ApiClient.Images.pattern(40, 32, 1)))
                .png("content", ApiClient.Images.png(ApiClient.Images.pattern(80, 64, 3)))
                .png("style", ApiClient.Images.png(ApiClient.Images.pattern(32, 32, 2)))
                .png("style", ApiClient.Images.png(ApiClient.Images.pattern(32, 32, 4)))
                .png("mask", ApiClient.Images.png(top)).png("mask", ApiClient.Images.png(bottom))
                .json("options", "{\"size\": 40, \"iterations\": 2, \"optimizer\": \"adam\"}").field("mode", "blend");

        JsonNode batch = json(api.post(BATCHES, body));

        assertThat(batch.get("jobs")).hasSize(2);
        assertThat(await(batch.get("id").asString()).get("counts").get("succeeded").asInt()).isEqualTo(2);
        for (JsonNode job : batch.get("jobs")) {
            JsonNode masks = json(api.get("/v1/style-transfers/" + job.asString())).get("recipe").get("inputs").get("masks");
            assertThat(masks).as("job %s", job.asString()).hasSize(2);
        }
    }

    @Test
    void badBatchesAreRefused() {
        assertProblem(api.post(BATCHES, batch("mosaic")), 400, "validation", BATCHES);
        assertProblem(api.post(BATCHES, new ApiClient.Multipart().png("content", ApiClient.Images.png(ApiClient.Images.pattern(40, 32, 1)))
                .field("mode", "grid")), 400, "validation", BATCHES);
        String unknown = BATCHES + "/" + java.util.UUID.randomUUID();
        assertProblem(api.get(unknown), 404, "not-found", unknown);
    }

    private JsonNode await(String id) throws InterruptedException {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (System.nanoTime() < deadline) {
            JsonNode batch = json(api.get(BATCHES + "/" + id));
            JsonNode counts = batch.get("counts");
            if (!counts.has("queued") && !counts.has("running")) {
                return batch;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("batch " + id + " did not finish");
    }
}
