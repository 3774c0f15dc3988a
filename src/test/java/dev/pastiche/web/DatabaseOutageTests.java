package dev.pastiche.web;

import static dev.pastiche.web.ApiClient.assertProblem;
import static dev.pastiche.web.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pastiche.storage.StorageProperties;
import dev.pastiche.testing.EmbeddedPostgresServer;
import dev.pastiche.web.ApiClient.Images;
import dev.pastiche.web.ApiClient.Multipart;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A database outage, for real: the service runs on a PostgreSQL server of this test's own, which is
 * stopped under it and started again. While it is down, what needs the database answers 503
 * {@code storage-unavailable} with {@code Retry-After} and readiness is DOWN, while what does not (the
 * models) still answers and the process stays live; nothing a refused request sent is stored; once the
 * server is back the same process answers normally, without a restart.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "pastiche.weights.source=random",
        "pastiche.storage.root=target/database-outage-blobs",
        // a request waits at most this long for a connection while the server is down
        "spring.datasource.hikari.connection-timeout=1000",
        // an API node: the worker's own recovery is WorkerWatchdogTests'
        "jobrunr.background-job-server.enabled=false"})
@DirtiesContext // its database is gone after this class
class DatabaseOutageTests {

    private static final String JOBS = "/v1/style-transfers";
    private static final String READINESS = "/actuator/health/readiness";
    private static final Duration RECOVERY = Duration.ofSeconds(30);

    private static EmbeddedPostgresServer postgres;

    @DynamicPropertySource
    static void postgres(DynamicPropertyRegistry registry) throws IOException {
        org.springframework.util.FileSystemUtils.deleteRecursively(Path.of("target", "database-outage-blobs")); // an earlier run's
        postgres = EmbeddedPostgresServer.startRestartable(Path.of("target", "embedded-postgres"));
        registry.add("spring.datasource.url", () -> postgres.url() + "postgres");
        registry.add("spring.datasource.username", () -> "postgres");
        registry.add("spring.datasource.password", () -> "");
    }

    @AfterAll
    static void deleteServer() {
        if (postgres != null) {
            postgres.close();
        }
    }

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    StorageProperties storage;

    private static Multipart job(int seed) {
        byte[] image = Images.png(Images.pattern(48, 32, seed));
        return new Multipart().png("content", image).png("style", image).json("options", "{\"size\": 48, \"iterations\": 1}");
    }

    @Test
    void requestsDuringTheOutageAre503AndTheSameProcessAnswersOnceItEnds() throws Exception {
        ApiClient api = new ApiClient(port);
        HttpResponse<byte[]> before = api.post(JOBS, job(1));
        assertThat(before.statusCode()).as(ApiClient.text(before)).isEqualTo(202);
        String id = json(before).get("id").asString();
        assertThat(api.get(READINESS).statusCode()).isEqualTo(200);

        postgres.stop();
        try {
            HttpResponse<byte[]> read = api.get(JOBS + "/" + id);
            HttpResponse<byte[]> list = api.get(JOBS);
            HttpResponse<byte[]> write = api.post(JOBS, job(2));
            for (HttpResponse<byte[]> refused : List.of(read, list, write)) {
                assertProblem(refused, 503, "storage-unavailable", refused.request().uri().getPath());
                assertThat(refused.headers().firstValue("Retry-After")).contains("5");
            }
            HttpResponse<byte[]> readiness = api.get(READINESS);
            assertThat(readiness.statusCode()).as("readiness while the database is down").isEqualTo(503);
            assertThat(json(readiness).path("status").asString()).isEqualTo("DOWN");
            assertThat(api.get("/actuator/health/liveness").statusCode()).as("liveness never checks dependencies").isEqualTo(200);
            assertThat(api.get("/v1/models").statusCode()).as("what needs no database still answers").isEqualTo(200);
        } finally {
            postgres.start();
        }

        long deadline = System.nanoTime() + RECOVERY.toNanos();
        HttpResponse<byte[]> again = api.get(JOBS + "/" + id);
        while (again.statusCode() != 200 && System.nanoTime() < deadline) {
            Thread.sleep(250);
            again = api.get(JOBS + "/" + id);
        }
        assertThat(again.statusCode()).as("the job, read by the same process once the database is back: %s", ApiClient.text(again))
                .isEqualTo(200);
        assertThat(json(again).path("status").asString()).isEqualTo("queued");
        assertThat(api.get(READINESS).statusCode()).isEqualTo(200);
        HttpResponse<byte[]> after = api.post(JOBS, job(3));
        assertThat(after.statusCode()).as(ApiClient.text(after)).isEqualTo(202);

        // nothing half-written: the two accepted jobs are the only rows, and every stored image is one of theirs
        List<String> ids = jdbc.queryForList("SELECT id FROM style_transfer_job", Object.class).stream().map(String::valueOf).toList();
        assertThat(ids).containsExactlyInAnyOrder(id, json(after).get("id").asString());
        Set<String> referenced = jdbc.queryForList("SELECT content_blob, style_blobs FROM style_transfer_job").stream()
                .flatMap(row -> Stream.of(String.valueOf(row.get("content_blob")), String.valueOf(row.get("style_blobs"))))
                .flatMap(value -> Stream.of(value.split("[^0-9a-f]+"))).filter(key -> key.length() == 64).collect(Collectors.toSet());
        assertThat(storedBlobs()).as("blobs on disk").isEqualTo(referenced);
    }

    private Set<String> storedBlobs() throws IOException {
        try (Stream<Path> files = Files.walk(storage.root())) {
            return files.filter(Files::isRegularFile).map(path -> path.getFileName().toString()).filter(name -> name.length() == 64)
                    .collect(Collectors.toSet());
        }
    }
}
