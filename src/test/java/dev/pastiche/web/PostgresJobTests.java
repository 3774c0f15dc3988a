package dev.pastiche.web;

import static dev.pastiche.web.ApiClient.assertProblem;
import static dev.pastiche.web.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pastiche.testing.TestPostgres;
import java.awt.image.BufferedImage;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The life of a style-transfer job over real HTTP with PostgreSQL as the database: Flyway's migration,
 * JobRunr's tables and queue ({@code FOR UPDATE SKIP LOCKED}) and the job table's SQL, as a cluster runs
 * them. The run has a schema of its own (see {@link TestPostgres}), so earlier runs' jobs, JobRunr
 * tables and Flyway history never leak in.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "pastiche.weights.source=random",
        "jobrunr.background-job-server.poll-interval-in-seconds=5"})
@DirtiesContext // stop this context's JobRunr server polling PostgreSQL once the class is done
class PostgresJobTests {

    private static final String JOBS = "/v1/style-transfers";
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static TestPostgres.Schema schema;

    @DynamicPropertySource
    static void postgres(DynamicPropertyRegistry registry) {
        schema = TestPostgres.freshSchema("jobs");
        registry.add("spring.datasource.url", schema::url);
        registry.add("spring.datasource.username", () -> TestPostgres.USER);
        registry.add("spring.datasource.password", () -> TestPostgres.PASSWORD);
        registry.add("jobrunr.database.table-prefix", schema::jobrunrTablePrefix);
    }

    @LocalServerPort
    int port;

    @Autowired
    DataSource dataSource;

    private ApiClient api;

    @BeforeEach
    void client() {
        api = new ApiClient(port);
    }

    private static ApiClient.Multipart job(String options) {
        return new ApiClient.Multipart()
                .png("content", ApiClient.Images.png(ApiClient.Images.pattern(48, 32, 1)))
                .png("style", ApiClient.Images.png(ApiClient.Images.pattern(40, 40, 2)))
                .json("options", options);
    }

    @Test
    void theApplicationRunsOnItsOwnPostgresSchema() throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            assertThat(connection.getMetaData().getDatabaseProductName()).isEqualTo("PostgreSQL");
            assertThat(connection.getSchema()).isEqualTo(schema.name());
        }
        try (Connection connection = schema.connect()) {
            assertThat(strings(connection, "SELECT version FROM flyway_schema_history WHERE success ORDER BY installed_rank"))
                    .startsWith("1");
            assertThat(strings(connection, "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"))
                    .contains("style_transfer_job", "jobrunr_jobs", "jobrunr_backgroundjobservers", "jobrunr_migrations");
        }
    }

    @Test
    void aJobRunsToSuccessIsListedAndPagedAndItsResultServed() throws Exception {
        HttpResponse<byte[]> created = api.post(JOBS, job("{\"size\": 48, \"iterations\": 4, \"optimizer\": \"adam\", \"seed\": 11}"));
        assertThat(created.statusCode()).as(ApiClient.text(created)).isEqualTo(202);
        String id = json(created).get("id").asString();
        assertThat(created.headers().firstValue("Location")).contains(JOBS + "/" + id);
        assertProblem(api.get(JOBS + "/" + id + "/result"), 409, "not-ready", JOBS + "/" + id + "/result");

        JsonNode done = await(id, j -> j.get("status").asString().equals("succeeded"));
        assertThat(done.get("options").get("seed").asLong()).isEqualTo(11);
        assertThat(done.get("result").get("width").asInt()).isEqualTo(48);
        assertThat(done.get("result").get("height").asInt()).isEqualTo(32);
        assertThat(done.get("result").get("evaluations").asInt()).isEqualTo(4);
        assertThat(done.get("progress").get("fraction").asDouble()).isEqualTo(1.0);
        // timestamps survive PostgreSQL's timestamptz (microseconds) and read back in order
        Instant createdAt = Instant.parse(done.get("createdAt").asString());
        Instant startedAt = Instant.parse(done.get("startedAt").asString());
        Instant finishedAt = Instant.parse(done.get("finishedAt").asString());
        assertThat(createdAt).isEqualTo(Instant.parse(json(created).get("createdAt").asString()));
        assertThat(startedAt).isAfterOrEqualTo(createdAt);
        assertThat(finishedAt).isAfterOrEqualTo(startedAt);

        HttpResponse<byte[]> result = api.get(JOBS + "/" + id + "/result");
        assertThat(result.statusCode()).isEqualTo(200);
        assertThat(result.headers().firstValue("Content-Type")).contains("image/png");
        BufferedImage image = ApiClient.Images.decode(result.body());
        assertThat(image.getWidth()).isEqualTo(48);
        assertThat(image.getHeight()).isEqualTo(32);

        JsonNode succeeded = json(api.get(JOBS + "?status=succeeded&limit=100"));
        assertThat(succeeded.get("items").valueStream().map(j -> j.get("id").asString())).contains(id);
        assertThat(json(api.get(JOBS + "?status=queued&limit=100")).get("items").valueStream()
                .map(j -> j.get("id").asString())).doesNotContain(id);

        // a second job, then the whole listing one job per page: newest first, every job once
        String second = json(api.post(JOBS, job("{\"size\": 48, \"iterations\": 2, \"optimizer\": \"adam\"}"))).get("id").asString();
        List<String> paged = new ArrayList<>();
        List<Instant> createdAts = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = json(api.get(JOBS + "?limit=1" + (cursor == null ? "" : "&cursor=" + cursor)));
            assertThat(page.get("items").size()).isLessThanOrEqualTo(1);
            page.get("items").forEach(j -> {
                paged.add(j.get("id").asString());
                createdAts.add(Instant.parse(j.get("createdAt").asString()));
            });
            cursor = page.get("next").isNull() ? null : page.get("next").asString();
        } while (cursor != null && paged.size() < 1000);
        assertThat(paged).doesNotHaveDuplicates().contains(id, second);
        assertThat(paged.indexOf(second)).isLessThan(paged.indexOf(id));
        assertThat(createdAts).isSortedAccordingTo((a, b) -> b.compareTo(a));
        await(second, j -> j.get("status").asString().equals("succeeded"));

        try (Connection connection = schema.connect()) {
            assertThat(strings(connection, "SELECT status FROM style_transfer_job WHERE id = ?", UUID.fromString(id)))
                    .containsExactly("SUCCEEDED");
            assertThat(strings(connection, "SELECT state FROM jobrunr_jobs WHERE id = ?", id))
                    .containsExactly("SUCCEEDED");
        }
    }

    @Test
    void aRunningJobIsCancelled() throws Exception {
        String id = json(api.post(JOBS, job("{\"size\": 64, \"iterations\": 5000, \"optimizer\": \"adam\"}"))).get("id").asString();
        await(id, j -> j.get("status").asString().equals("running") && !j.get("progress").isNull());
        HttpResponse<byte[]> cancel = api.post(JOBS + "/" + id + "/cancel");
        assertThat(cancel.statusCode()).isEqualTo(202);
        assertThat(json(cancel).get("status").asString()).isIn("running", "cancelled");
        JsonNode cancelled = await(id, j -> j.get("status").asString().equals("cancelled"));
        assertThat(cancelled.get("progress").get("iteration").asInt()).isLessThan(5000);
        assertThat(cancelled.get("finishedAt").isNull()).isFalse();
        assertThat(cancelled.get("result").isNull()).isTrue();
        assertProblem(api.get(JOBS + "/" + id + "/result"), 409, "not-ready", JOBS + "/" + id + "/result");
        HttpResponse<byte[]> again = api.post(JOBS + "/" + id + "/cancel");
        assertThat(again.statusCode()).isEqualTo(202);
        assertThat(json(again).get("status").asString()).isEqualTo("cancelled");
        try (Connection connection = schema.connect()) {
            assertThat(strings(connection, "SELECT status FROM style_transfer_job WHERE id = ? AND cancel_requested", UUID.fromString(id)))
                    .containsExactly("CANCELLED");
        }
    }

    @Test
    void deletingAJobRemovesItsRowAndItsImages() throws Exception {
        String queued = json(api.post(JOBS, job("{\"size\": 48, \"iterations\": 2, \"optimizer\": \"adam\"}"))).get("id").asString();
        assertThat(api.delete(JOBS + "/" + queued).statusCode()).isEqualTo(204);
        assertProblem(api.get(JOBS + "/" + queued), 404, "not-found", JOBS + "/" + queued);
        assertProblem(api.delete(JOBS + "/" + queued), 404, "not-found", JOBS + "/" + queued);

        String finished = json(api.post(JOBS, job("{\"size\": 48, \"iterations\": 2, \"optimizer\": \"adam\", \"seed\": 99}")))
                .get("id").asString();
        await(finished, j -> j.get("status").asString().equals("succeeded"));
        assertThat(api.delete(JOBS + "/" + finished).statusCode()).isEqualTo(204);
        assertProblem(api.get(JOBS + "/" + finished + "/result"), 404, "not-found", JOBS + "/" + finished + "/result");
        assertThat(json(api.get(JOBS + "?limit=100")).get("items").valueStream().map(j -> j.get("id").asString()))
                .doesNotContain(queued, finished);
        try (Connection connection = schema.connect()) {
            assertThat(strings(connection, "SELECT status FROM style_transfer_job WHERE id IN (?, ?)", UUID.fromString(queued),
                    UUID.fromString(finished))).isEmpty();
        }
    }

    private JsonNode await(String id, Predicate<JsonNode> condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        JsonNode job = null;
        while (System.nanoTime() < deadline) {
            job = json(api.get(JOBS + "/" + id));
            if (condition.test(job)) {
                return job;
            }
            assertThat(job.get("status").asString()).as("job %s", job).isNotEqualTo("failed");
            Thread.sleep(200);
        }
        throw new AssertionError("job " + id + " did not reach the expected state in " + WAIT + ": " + job);
    }

    private static List<String> strings(Connection connection, String sql, Object... params) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                statement.setObject(i + 1, params[i]);
            }
            List<String> values = new ArrayList<>();
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    values.add(rs.getString(1));
                }
            }
            return values;
        }
    }
}
