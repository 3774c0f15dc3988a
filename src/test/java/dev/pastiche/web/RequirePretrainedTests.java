package dev.pastiche.web;

import static dev.pastiche.web.ApiClient.assertProblem;
import static dev.pastiche.web.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pastiche.web.ApiClient.Images;
import dev.pastiche.web.ApiClient.Multipart;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * With pretrained weights required and none to be had, the service still starts and says what to
 * provide: readiness DOWN, liveness UP, and every computation a 503 {@code model-unavailable}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "pastiche.weights.source=random",
        "pastiche.weights.require-pretrained=true"})
class RequirePretrainedTests {

    @LocalServerPort
    int port;

    ApiClient api;

    @BeforeEach
    void client() {
        api = new ApiClient(port);
    }

    private static byte[] image(int phase) {
        return Images.png(Images.pattern(64, 48, phase));
    }

    @Test
    void readinessIsDownWhileLivenessIsUp() {
        HttpResponse<byte[]> readiness = api.get("/actuator/health/readiness");
        HttpResponse<byte[]> liveness = api.get("/actuator/health/liveness");

        assertThat(readiness.statusCode()).isEqualTo(503);
        assertThat(json(readiness).path("status").asString()).isEqualTo("DOWN");
        assertThat(liveness.statusCode()).isEqualTo(200);
        assertThat(json(liveness).path("status").asString()).isEqualTo("UP");
    }

    @Test
    void distanceIsModelUnavailableAndSaysWhatToProvide() {
        HttpResponse<byte[]> response = api.post("/v1/perceptual-distance",
                new Multipart().png("reference", image(1)).png("candidate", image(2)));

        JsonNode problem = assertProblem(response, 503, "model-unavailable", "/v1/perceptual-distance");
        assertThat(problem.path("title").asString()).isEqualTo("Model unavailable");
        assertThat(problem.path("detail").asString()).contains("pastiche.weights.path");
        assertThat(response.headers().firstValue("Pastiche-Weights")).isEmpty();
    }

    @Test
    void featureMapsAreModelUnavailable() {
        HttpResponse<byte[]> response = api.post("/v1/feature-maps",
                new Multipart().png("image", image(1)).field("layer", "block1_conv1"));

        JsonNode problem = assertProblem(response, 503, "model-unavailable", "/v1/feature-maps");
        assertThat(problem.path("detail").asString()).contains("pastiche.weights.path");
    }

    @Test
    void classificationIsModelUnavailable() {
        HttpResponse<byte[]> response = api.post("/v1/classifications", new Multipart().png("image", image(1)));

        JsonNode problem = assertProblem(response, 503, "model-unavailable", "/v1/classifications");
        assertThat(problem.path("detail").asString()).contains("pastiche.weights.path");
    }

    @Test
    void modelsStillAnswersAndShowsNoWeights() {
        HttpResponse<byte[]> response = api.get("/v1/models");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Pastiche-Weights")).isEmpty();
        JsonNode body = json(response);
        assertThat(body.path("variants").size()).isEqualTo(8);
        JsonNode extractor = body.path("extractor");
        assertThat(extractor.path("variant").asString()).isEqualTo("vgg19");
        assertThat(extractor.path("ready").isBoolean()).isTrue();
        assertThat(extractor.path("ready").asBoolean()).isFalse();
        assertThat(extractor.path("weights").isNull()).as("weights in %s", extractor).isTrue();
    }
}
