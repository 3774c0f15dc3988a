package dev.pastiche.web;

import static dev.pastiche.web.ApiClient.assertProblem;
import static dev.pastiche.web.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/** Bearer API keys: required on /v1/**, and each job visible only to the key that created it. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"pastiche.weights.source=random", "pastiche.security.api-keys=alpha-key, beta-key",
                "jobrunr.background-job-server.enabled=false"})
class ApiKeyTests {

    private static final String JOBS = "/v1/style-transfers";

    @LocalServerPort
    int port;

    private ApiClient api;

    @BeforeEach
    void client() {
        api = new ApiClient(port);
    }

    private static ApiClient.Multipart job() {
        return new ApiClient.Multipart().png("content", ApiClient.Images.png(ApiClient.Images.pattern(48, 32, 1)))
                .png("style", ApiClient.Images.png(ApiClient.Images.pattern(40, 40, 2)))
                .json("options", "{\"size\": 48, \"iterations\": 2}");
    }

    @Test
    void callsWithoutAValidKeyAre401Problems() {
        HttpResponse<byte[]> missing = api.get("/v1/models");
        assertProblem(missing, 401, "unauthorized", "/v1/models");
        assertThat(missing.headers().firstValue("WWW-Authenticate")).contains("Bearer");
        assertProblem(api.get("/v1/models", "Authorization", "Bearer gamma-key"), 401, "unauthorized", "/v1/models");
        assertProblem(api.get("/v1/models", "Authorization", "Basic YWxwaGEta2V5"), 401, "unauthorized", "/v1/models");
        assertProblem(api.post(JOBS, job()), 401, "unauthorized", JOBS);
        assertThat(api.get("/v1/models", "Authorization", "Bearer alpha-key").statusCode()).isEqualTo(200);
        assertThat(api.get("/v1/models", "Authorization", "bearer beta-key").statusCode()).isEqualTo(200);
        // operations stay reachable for probes and scrapers
        assertThat(api.get("/actuator/health/liveness").statusCode()).isEqualTo(200);
    }

    @Test
    void aJobIsVisibleOnlyToTheKeyThatCreatedIt() {
        HttpResponse<byte[]> created = api.post(JOBS, job(), "Authorization", "Bearer alpha-key");
        assertThat(created.statusCode()).isEqualTo(202);
        String id = json(created).get("id").asString();
        String path = JOBS + "/" + id;

        assertThat(api.get(path, "Authorization", "Bearer alpha-key").statusCode()).isEqualTo(200);
        assertProblem(api.get(path, "Authorization", "Bearer beta-key"), 404, "not-found", path);
        assertProblem(api.post(path + "/cancel", "application/json", new byte[0], "Authorization", "Bearer beta-key"),
                404, "not-found", path + "/cancel");
        assertThat(json(api.get(JOBS, "Authorization", "Bearer beta-key")).get("items").valueStream()
                .map(j -> j.get("id").asString())).doesNotContain(id);
        assertThat(json(api.get(JOBS, "Authorization", "Bearer alpha-key")).get("items").valueStream()
                .map(j -> j.get("id").asString())).contains(id);
    }
}
