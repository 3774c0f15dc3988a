package dev.pastiche.web;

import static dev.pastiche.web.ApiClient.assertProblem;
import static dev.pastiche.web.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.pastiche.web.ApiClient.Images;
import dev.pastiche.web.ApiClient.Multipart;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.util.FileSystemUtils;

/**
 * Outages of the service's storage answer 503 {@code storage-unavailable} with {@code Retry-After}
 * (API.md), not 500: the database's connection pool closed (every connection refused), and the
 * blob store's folder gone with a file in its place, during which readiness is DOWN, after which the
 * store recovers by itself.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {"pastiche.weights.source=random",
        "spring.datasource.hikari.connection-timeout=250", "pastiche.storage.root=target/outage-blobs", "jobrunr.background-job-server.enabled=false"})
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class StorageOutageTests {

    private static final String JOBS = "/v1/style-transfers";
    private static final Path BLOBS = Path.of("target/outage-blobs");
    private static final String READINESS = "/actuator/health/readiness";

    @LocalServerPort
    int port;
    @Autowired
    DataSource dataSource;

    private Multipart job(int seed) {
        byte[] image = Images.png(Images.pattern(48, 32, seed));
        return new Multipart().png("content", image).png("style", image).json("options", "{\"size\": 48, \"iterations\": 1}");
    }

    /** Last (the pool cannot be reopened): every connection refused, as when the database is down. */
    @Test
    @org.junit.jupiter.api.Order(2)
    @org.springframework.test.annotation.DirtiesContext
    void aDatabaseOutageIs503WithRetryAfter() {
        ApiClient api = new ApiClient(port);
        String id = json(api.post(JOBS, job(1))).get("id").asString();

        ((HikariDataSource) dataSource).close();
        HttpResponse<byte[]> read = api.get(JOBS + "/" + id);
        HttpResponse<byte[]> write = api.post(JOBS, job(2));

        for (HttpResponse<byte[]> refused : java.util.List.of(read, write)) {
            assertProblem(refused, 503, "storage-unavailable", refused.request().uri().getPath());
            assertThat(refused.headers().firstValue("Retry-After")).contains("5");
        }
    }

    @Test
    @org.junit.jupiter.api.Order(1)
    void aBlobStoreOutageIs503WithRetryAfterAndPasses() throws Exception {
        ApiClient api = new ApiClient(port);
        assertThat(api.get(READINESS).statusCode()).as("ready before the outage").isEqualTo(200);
        FileSystemUtils.deleteRecursively(BLOBS);
        Files.createDirectories(BLOBS.getParent());
        Files.writeString(BLOBS, "not a folder");
        HttpResponse<byte[]> refused;
        HttpResponse<byte[]> readinessDuring;
        try {
            refused = api.post(JOBS, job(3));
            readinessDuring = api.get(READINESS);
        } finally {
            Files.delete(BLOBS);
            Files.createDirectories(BLOBS);
        }

        assertProblem(refused, 503, "storage-unavailable", JOBS);
        assertThat(refused.headers().firstValue("Retry-After")).contains("5");
        assertThat(readinessDuring.statusCode()).as("readiness while the store cannot be written").isEqualTo(503);
        assertThat(json(readinessDuring).path("status").asString()).isEqualTo("DOWN");
        assertThat(api.get(READINESS).statusCode()).as("ready again once the folder is back").isEqualTo(200);
        assertThat(api.post(JOBS, job(3)).statusCode()).as("back once the folder is").isEqualTo(202);
    }
}
