package dev.pastiche.web;

import static dev.pastiche.web.ApiClient.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pastiche.web.ApiClient.Images;
import dev.pastiche.web.ApiClient.Multipart;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * Without {@code pastiche.webhooks.secret} deliveries would be signed with an empty key, which
 * anyone can forge: a job or batch asking for a webhook is refused, naming the property, and
 * nothing is stored.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"pastiche.weights.source=random", "pastiche.webhooks.allow-private=true"})
class WebhookSecretTests {

    private static final String OPTIONS = "{\"size\": 48, \"iterations\": 2, \"webhook\": {\"url\": \"http://127.0.0.1:9/hook\"}}";

    @LocalServerPort
    int port;
    @Autowired
    JdbcClient jdbc;

    @Test
    void aWebhookWithoutAConfiguredSecretIsRefusedNamingIt() {
        ApiClient api = new ApiClient(port);
        byte[] image = Images.png(Images.pattern(48, 32, 1));
        long before = jdbc.sql("SELECT COUNT(*) FROM style_transfer_job").query(Long.class).single();

        JsonNode job = assertProblem(api.post("/v1/style-transfers", new Multipart().png("content", image).png("style", image)
                .json("options", OPTIONS)), 400, "validation", "/v1/style-transfers");
        JsonNode batch = assertProblem(api.post("/v1/style-transfer-batches", new Multipart().png("content", image).png("style", image)
                .json("options", OPTIONS).field("mode", "grid")), 400, "validation", "/v1/style-transfer-batches");

        for (JsonNode problem : new JsonNode[] {job, batch}) {
            assertThat(problem.get("errors").get(0).get("field").asString()).isEqualTo("webhook");
            assertThat(problem.get("detail").asString()).contains("pastiche.webhooks.secret");
        }
        assertThat(jdbc.sql("SELECT COUNT(*) FROM style_transfer_job").query(Long.class).single()).isEqualTo(before);
        assertThat(api.post("/v1/style-transfers", new Multipart().png("content", image).png("style", image)
                .json("options", "{\"size\": 48, \"iterations\": 2}")).statusCode()).as("without a webhook").isEqualTo(202);
    }
}
