package dev.pastiche.web;

import static dev.pastiche.web.ApiClient.assertProblem;
import static dev.pastiche.web.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.sql.Timestamp;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * Admission at submission on an API-only node (no JobRunr worker, a 600 MB budget of its own): it
 * refuses only what no live worker could run, judged by the budgets workers advertise in the
 * database, never by its own.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"pastiche.weights.source=random", "jobrunr.background-job-server.enabled=false",
                "pastiche.transfer.memory-budget=600MB"})
class WorkerBudgetTests {

    private static final String JOBS = "/v1/style-transfers";
    /** L-BFGS at 1024 px: several GB by the estimate, far over this node's 600 MB. */
    private static final String LARGE = "{\"size\": 1024, \"optimizer\": \"lbfgs\", \"seed\": 1}";

    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    private ApiClient api;

    @BeforeEach
    void client() {
        api = new ApiClient(port);
        jdbc.sql("DELETE FROM worker_budget").update();
    }

    private HttpResponse<byte[]> submit(String options) {
        return api.post(JOBS, new ApiClient.Multipart()
                .png("content", ApiClient.Images.png(ApiClient.Images.pattern(96, 64, 1)))
                .png("style", ApiClient.Images.png(ApiClient.Images.pattern(40, 40, 2)))
                .json("options", options));
    }

    private void worker(String node, long budgetBytes, Instant seen) {
        jdbc.sql("INSERT INTO worker_budget (node_id, budget_bytes, seen_at) VALUES (?, ?, ?)").params(node, budgetBytes, Timestamp.from(seen))
                .update();
    }

    @Test
    void aJobOverThisNodesBudgetIsAcceptedWhenALiveWorkerAdvertisesEnough() {
        worker("gpu-worker", 64L << 30, Instant.now());

        HttpResponse<byte[]> created = submit(LARGE);

        assertThat(created.statusCode()).isEqualTo(202);
        JsonNode job = json(created);
        assertThat(job.get("options").get("size").asInt()).as("stored as asked; the worker admits it").isEqualTo(1024);
    }

    @Test
    void aJobNoLiveWorkerCanRunIsRefusedNamingTheWorkersBudget() {
        worker("small-worker", 700L << 20, Instant.now());
        // a large worker that stopped advertising long ago no longer counts
        worker("gone-worker", 64L << 30, Instant.now().minusSeconds(3600));

        JsonNode problem = assertProblem(submit(LARGE), 422, "image-too-large", JOBS);

        assertThat(problem.get("detail").asString()).contains("700 MB").contains("largest worker");
    }

    @Test
    void beforeAnyWorkerAdvertisesThisNodesOwnBudgetDecides() {
        assertProblem(submit(LARGE), 422, "image-too-large", JOBS);
        assertThat(submit("{\"size\": 64, \"optimizer\": \"adam\", \"iterations\": 1}").statusCode()).isEqualTo(202);
    }
}
