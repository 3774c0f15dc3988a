package dev.pastiche.web;

import static dev.pastiche.web.ApiClient.assertProblem;
import static dev.pastiche.web.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.pastiche.PasticheApplication;
import dev.pastiche.testing.Textures;
import dev.pastiche.web.ApiClient.Images;
import dev.pastiche.web.ApiClient.Multipart;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * Transfer learning end to end over HTTP (issue 17): a head trained on generated textures reaches
 * 90 % held-out accuracy on random weights, answers predictions, belongs to the key that made it,
 * and survives a restart: the service is closed and started again on the same database file and
 * blob folder, and the head predicts exactly as before.
 */
class ClassifierTests {

    private static final String CLASSIFIERS = "/v1/classifiers";
    private static final String ALPHA = "alpha-classifier-key";
    private static final String BETA = "beta-classifier-key";
    /** Images per class: 16 trained on, 4 held out. */
    private static final int PER_CLASS = 20;
    private static final int SIDE = 64;

    @TempDir
    Path directory;

    @Test
    void trainsPredictsBelongsToItsKeyAndSurvivesARestart() throws Exception {
        Random random = new Random(17);
        Map<String, byte[]> set = new LinkedHashMap<>();
        for (int i = 0; i < PER_CLASS; i++) {
            for (String kind : Textures.CLASSES) {
                set.put(kind + "/" + i + ".png", Images.png(Textures.make(kind, SIDE, random)));
            }
        }
        Multipart upload = new Multipart().file("zip", "textures.zip", "application/zip", Textures.zip(set))
                .json("options", "{\"epochs\": 40, \"seed\": 5}");
        byte[] probe = Images.png(Textures.make("stripes", SIDE, new Random(99)));

        String location;
        JsonNode trained;
        String before;
        try (ConfigurableApplicationContext service = start()) {
            ApiClient api = new ApiClient(port(service));
            HttpResponse<byte[]> created = api.post(CLASSIFIERS, upload, "Authorization", "Bearer " + ALPHA);
            assertThat(created.statusCode()).as(ApiClient.text(created)).isEqualTo(202);
            location = created.headers().firstValue("Location").orElseThrow();
            assertThat(json(created).get("status").asString()).isEqualTo("queued");
            assertThat(json(created).at("/options/featureLayer").asString()).isEqualTo("block5_pool");

            trained = awaitFinished(api, location);
            assertThat(trained.get("status").asString()).as(trained.toString()).isEqualTo("succeeded");
            assertThat(trained.at("/accuracy/heldOut").asDouble()).as(trained.toString()).isGreaterThanOrEqualTo(0.9);
            assertThat(trained.at("/accuracy/training").asDouble()).isGreaterThanOrEqualTo(0.9);
            for (JsonNode c : trained.get("classes")) {
                assertThat(c.get("images").asInt()).isEqualTo(PER_CLASS);
                assertThat(c.get("heldOut").asInt()).as("stratified: a fifth of each class").isEqualTo(PER_CLASS / 5);
                assertThat(c.get("training").asInt()).isEqualTo(PER_CLASS - PER_CLASS / 5);
            }
            JsonNode matrix = trained.at("/confusionMatrix/counts");
            int total = 0;
            int diagonal = 0;
            for (int t = 0; t < 3; t++) {
                for (int p = 0; p < 3; p++) {
                    total += matrix.get(t).get(p).asInt();
                    diagonal += t == p ? matrix.get(t).get(p).asInt() : 0;
                }
            }
            assertThat(total).as("every held-out image once").isEqualTo(3 * PER_CLASS / 5);
            assertThat((double) diagonal / total).isCloseTo(trained.at("/accuracy/heldOut").asDouble(), within(1e-9));
            assertThat(trained.at("/progress/fraction").asDouble()).isEqualTo(1.0);

            HttpResponse<byte[]> predicted = predict(api, location, probe, ALPHA);
            assertThat(predicted.statusCode()).as(ApiClient.text(predicted)).isEqualTo(200);
            JsonNode predictions = json(predicted).get("predictions");
            assertThat(predictions).hasSize(3);
            double sum = 0;
            for (int i = 0; i < predictions.size(); i++) {
                sum += predictions.get(i).get("probability").asDouble();
                if (i > 0) {
                    assertThat(predictions.get(i).get("probability").asDouble())
                            .isLessThanOrEqualTo(predictions.get(i - 1).get("probability").asDouble());
                }
            }
            assertThat(sum).isCloseTo(1.0, within(1e-5));
            before = predictions.toString();

            // fc7: the whole network's second fully connected layer (on random weights, the random classifier), 4096 features an image
            Multipart fc7Set = new Multipart();
            Random fc7Random = new Random(8);
            for (int i = 0; i < 4; i++) {
                fc7Set.png("image", Images.png(Textures.make("dots", SIDE, fc7Random))).field("label", "dots");
                fc7Set.png("image", Images.png(Textures.make("stripes", SIDE, fc7Random))).field("label", "stripes");
            }
            HttpResponse<byte[]> fc7 = api.post(CLASSIFIERS, fc7Set.json("options", "{\"featureLayer\": \"fc7\", \"epochs\": 5, "
                    + "\"heldOutFraction\": 0.25}"), "Authorization", "Bearer " + ALPHA);
            assertThat(fc7.statusCode()).as(ApiClient.text(fc7)).isEqualTo(202);
            JsonNode fc7Trained = awaitFinished(api, fc7.headers().firstValue("Location").orElseThrow());
            assertThat(fc7Trained.get("status").asString()).as(fc7Trained.toString()).isEqualTo("succeeded");
            assertThat(fc7Trained.at("/options/featureLayer").asString()).isEqualTo("fc7");

            // another key sees nothing of it
            assertProblem(api.get(location, "Authorization", "Bearer " + BETA), 404, "not-found", location);
            assertProblem(predict(api, location, probe, BETA), 404, "not-found", location + "/predictions");
            assertProblem(api.delete(location, "Authorization", "Bearer " + BETA), 404, "not-found", location);
        }

        try (ConfigurableApplicationContext service = start()) {
            ApiClient api = new ApiClient(port(service));
            JsonNode after = json(api.get(location, "Authorization", "Bearer " + ALPHA));
            assertThat(after.get("status").asString()).isEqualTo("succeeded");
            assertThat(after.get("accuracy")).isEqualTo(trained.get("accuracy"));
            HttpResponse<byte[]> predicted = predict(api, location, probe, ALPHA);
            assertThat(predicted.statusCode()).as(ApiClient.text(predicted)).isEqualTo(200);
            assertThat(json(predicted).get("predictions").toString()).as("the same head after the restart").isEqualTo(before);

            // image parts, each with its label (two parts an image: Tomcat's 80 parts take 39), an MLP head, then deletion
            Multipart parts = new Multipart();
            Random partsRandom = new Random(3);
            for (int i = 0; i < 8; i++) {
                parts.png("image", Images.png(Textures.make("dots", SIDE, partsRandom))).field("label", "dots");
                parts.png("image", Images.png(Textures.make("stripes", SIDE, partsRandom))).field("label", "stripes");
            }
            HttpResponse<byte[]> posted = api.post(CLASSIFIERS, parts.json("options",
                    "{\"head\": \"mlp\", \"hiddenUnits\": 32, \"epochs\": 20, \"heldOutFraction\": 0.25}"), "Authorization", "Bearer " + ALPHA);
            assertThat(posted.statusCode()).as(ApiClient.text(posted)).isEqualTo(202);
            String second = posted.headers().firstValue("Location").orElseThrow();
            JsonNode mlp = awaitFinished(api, second);
            assertThat(mlp.get("status").asString()).as(mlp.toString()).isEqualTo("succeeded");
            assertThat(mlp.at("/classes/0/label").asString()).isEqualTo("dots");
            assertThat(mlp.at("/classes/0/heldOut").asInt()).isEqualTo(2);
            long blobsBefore = blobCount();
            assertThat(api.delete(second, "Authorization", "Bearer " + ALPHA).statusCode()).isEqualTo(204);
            assertProblem(api.get(second, "Authorization", "Bearer " + ALPHA), 404, "not-found", second);
            assertThat(blobCount()).as("the deleted head's weights are gone").isEqualTo(blobsBefore - 1);
            assertThat(predict(api, location, probe, ALPHA).statusCode()).as("the other classifier is untouched").isEqualTo(200);
        }
    }

    private ConfigurableApplicationContext start() {
        return new SpringApplicationBuilder(PasticheApplication.class).run(
                "--server.port=0",
                "--pastiche.weights.source=random",
                "--pastiche.security.api-keys=" + ALPHA + "," + BETA,
                "--spring.datasource.url=jdbc:h2:file:" + directory.resolve("db") + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;"
                        + "DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_ON_EXIT=FALSE",
                "--pastiche.storage.root=" + directory.resolve("blobs"),
                "--pastiche.classifiers.input-size=" + SIDE);
    }

    private static int port(ConfigurableApplicationContext service) {
        return Integer.parseInt(service.getEnvironment().getProperty("local.server.port"));
    }

    private static HttpResponse<byte[]> predict(ApiClient api, String location, byte[] image, String key) {
        return api.post(location + "/predictions", new Multipart().png("image", image), "Authorization", "Bearer " + key);
    }

    /** Polls until the classifier has finished: JobRunr picks jobs up every 5 s. */
    private static JsonNode awaitFinished(ApiClient api, String location) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        JsonNode classifier;
        do {
            Thread.sleep(250);
            classifier = json(api.get(location, "Authorization", "Bearer " + ALPHA));
        } while (!classifier.get("status").asString().matches("succeeded|failed") && System.nanoTime() < deadline);
        return classifier;
    }

    private long blobCount() throws java.io.IOException {
        try (Stream<Path> files = Files.walk(directory.resolve("blobs"))) {
            return files.filter(Files::isRegularFile).count();
        }
    }
}
