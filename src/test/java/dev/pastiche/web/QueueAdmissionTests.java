package dev.pastiche.web;

import static dev.pastiche.web.ApiClient.assertProblem;
import static dev.pastiche.web.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pastiche.testing.TestPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * {@code pastiche.jobs.max-queued} holds under concurrent submissions: counting the queue and then
 * inserting let every one of a burst see room for one (a flood of 16 connections against a limit of
 * 20 left 21 queued). On PostgreSQL, as a cluster's API pods share it, with no job worker, so that
 * nothing leaves the queue while the burst lands.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "pastiche.weights.source=random", "pastiche.jobs.max-queued=5", "jobrunr.background-job-server.enabled=false",
        "pastiche.security.rate-limit.enabled=false"})
@DirtiesContext
class QueueAdmissionTests {

    private static final int MAX_QUEUED = 5;
    private static final int SUBMISSIONS = 24;
    private static TestPostgres.Schema schema;
    private static Path blobs;

    @DynamicPropertySource
    static void postgres(DynamicPropertyRegistry registry) throws IOException {
        schema = TestPostgres.freshSchema("admission");
        blobs = Files.createTempDirectory("admission-blobs");
        registry.add("spring.datasource.url", schema::url);
        registry.add("spring.datasource.username", () -> TestPostgres.USER);
        registry.add("spring.datasource.password", () -> TestPostgres.PASSWORD);
        registry.add("jobrunr.database.table-prefix", schema::jobrunrTablePrefix);
        registry.add("pastiche.storage.root", blobs::toString);
    }

    @AfterAll
    static void dropSchema() {
        // the context (and its pool) closes after this class; a schema it still holds is dropped by a later run once stale
        try {
            schema.drop();
        } catch (IllegalStateException e) {
            System.err.println("QueueAdmissionTests: " + e.getMessage());
        }
    }

    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    @Test
    void aBurstOfSubmissionsFillsTheQueueExactly() throws Exception {
        ApiClient api = new ApiClient(port);
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<HttpResponse<byte[]>>> answers = new ArrayList<>();
        try {
            for (int i = 0; i < SUBMISSIONS; i++) {
                // each its own content, so that each accepted job has blobs of its own to count
                ApiClient.Multipart body = new ApiClient.Multipart()
                        .png("content", ApiClient.Images.png(ApiClient.Images.noise(48, 40, i)))
                        .png("style", ApiClient.Images.png(ApiClient.Images.pattern(40, 40, 2)))
                        .json("options", "{\"size\": 32, \"iterations\": 2}");
                answers.add(pool.submit(() -> {
                    go.await();
                    return api.post("/v1/style-transfers", body);
                }));
            }
            go.countDown();
            List<HttpResponse<byte[]>> responses = new ArrayList<>();
            for (Future<HttpResponse<byte[]>> answer : answers) {
                responses.add(answer.get());
            }
            Map<Integer, Long> byStatus = responses.stream().collect(Collectors.groupingBy(HttpResponse::statusCode, Collectors.counting()));
            assertThat(byStatus).as("answers by status").containsExactlyInAnyOrderEntriesOf(Map.of(202, (long) MAX_QUEUED,
                    503, (long) (SUBMISSIONS - MAX_QUEUED)));
            responses.stream().filter(r -> r.statusCode() == 503).forEach(r -> assertProblem(r, 503, "queue-full", "/v1/style-transfers"));
        } finally {
            pool.shutdownNow();
        }
        assertThat(jdbc.sql("SELECT COUNT(*) FROM style_transfer_job WHERE status = 'QUEUED'").query(Long.class).single())
                .isEqualTo(MAX_QUEUED);
        List<String> contents = jdbc.sql("SELECT content_blob FROM style_transfer_job").query(String.class).list();
        try (Stream<Path> files = Files.walk(blobs)) {
            List<String> stored = files.filter(Files::isRegularFile).map(file -> file.getFileName().toString()).toList();
            // the accepted jobs' contents and their style; a submission refused at the insert leaves its content to the
            // orphan sweep (deleting it there could take bytes another submission stored and has not yet named)
            assertThat(stored).as("blobs stored").containsAll(contents).hasSizeBetween(MAX_QUEUED + 1, SUBMISSIONS + 1);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        assertThat(json(api.get("/v1/style-transfers?status=queued&limit=100")).get("items").size()).isEqualTo(MAX_QUEUED);
    }
}
