package dev.pastiche.web;

import static dev.pastiche.web.ApiClient.assertProblem;
import static dev.pastiche.web.ApiClient.json;
import static dev.pastiche.web.ApiClient.text;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * Security over real HTTP: the CORS allow-list, the per-key rate limit, what actuator exposes,
 * and that keys, secrets and image bytes never reach the logs.
 */
@GuardedServiceTest
@ExtendWith(OutputCaptureExtension.class)
class SecurityTests {

    private static final String JOBS = "/v1/style-transfers";

    @LocalServerPort
    int port;

    private ApiClient api;

    @BeforeEach
    void client() {
        api = new ApiClient(port);
    }

    private static String bearer(String key) {
        return "Bearer " + key;
    }

    @Test
    void aListedOriginGetsItsPreflightAnsweredWithoutAKey() {
        HttpResponse<byte[]> preflight = api.send("OPTIONS", JOBS, HttpRequest.BodyPublishers.noBody(),
                "Origin", GuardedServiceTest.ALLOWED_ORIGIN, "Access-Control-Request-Method", "POST",
                "Access-Control-Request-Headers", "authorization, content-type, idempotency-key");

        assertThat(preflight.statusCode()).isEqualTo(200);
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).contains(GuardedServiceTest.ALLOWED_ORIGIN);
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Methods").orElse("")).contains("POST");
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Headers").orElse("").toLowerCase())
                .contains("authorization", "idempotency-key");
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Credentials")).isEmpty();
    }

    @Test
    void aListedOriginCanReadAnswersAndErrors() {
        HttpResponse<byte[]> ok = api.get("/v1/models", "Origin", GuardedServiceTest.ALLOWED_ORIGIN,
                "Authorization", bearer(GuardedServiceTest.ALPHA));
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.headers().firstValue("Access-Control-Allow-Origin")).contains(GuardedServiceTest.ALLOWED_ORIGIN);

        // a 401 the browser cannot read would look like a network failure to the frontend
        HttpResponse<byte[]> unauthorized = api.get("/v1/models", "Origin", GuardedServiceTest.ALLOWED_ORIGIN);
        assertProblem(unauthorized, 401, "unauthorized", "/v1/models");
        assertThat(unauthorized.headers().firstValue("Access-Control-Allow-Origin")).contains(GuardedServiceTest.ALLOWED_ORIGIN);
    }

    @Test
    void anUnlistedOriginIsRefusedAndGetsNoCorsHeaders() {
        HttpResponse<byte[]> preflight = api.send("OPTIONS", JOBS, HttpRequest.BodyPublishers.noBody(),
                "Origin", "https://evil.example.net", "Access-Control-Request-Method", "POST");
        assertThat(preflight.statusCode()).isEqualTo(403);
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();

        HttpResponse<byte[]> simple = api.get("/v1/models", "Origin", "https://studio.example.com.evil.example.net",
                "Authorization", bearer(GuardedServiceTest.ALPHA));
        assertThat(simple.statusCode()).isEqualTo(403);
        assertThat(simple.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    }

    @Test
    void noOriginIsAllowedByDefault() {
        SecurityProperties defaults = new SecurityProperties(List.of(), new SecurityProperties.Cors(List.of(), java.time.Duration.ofHours(1)),
                new SecurityProperties.RateLimit(true, 600, 120));

        assertThat(new CrossOriginConfiguration().corsFilter(defaults).isEnabled()).isFalse();
    }

    @Test
    void aKeyOverItsBucketGets429WithRetryAfterAndRecovers() throws InterruptedException {
        String key = bearer(GuardedServiceTest.GAMMA);
        List<Integer> statuses = new ArrayList<>();
        HttpResponse<byte[]> last = null;
        for (int i = 0; i <= GuardedServiceTest.RATE_CAPACITY + 5 && (last == null || last.statusCode() != 429); i++) {
            last = api.get("/v1/models", "Authorization", key);
            statuses.add(last.statusCode());
        }
        // the bucket refills at one a second, so a slow loop may get a few more than the capacity
        assertThat(statuses).hasSizeGreaterThan(GuardedServiceTest.RATE_CAPACITY);
        assertThat(statuses.subList(0, statuses.size() - 1)).containsOnly(200);
        JsonNode problem = assertProblem(last, 429, "rate-limited", "/v1/models");
        assertThat(problem.path("title").asString()).isEqualTo("Too many requests");
        long retryAfter = Long.parseLong(last.headers().firstValue("Retry-After").orElseThrow());
        assertThat(retryAfter).isBetween(1L, 2L);

        // other keys keep their own buckets
        assertThat(api.get("/v1/models", "Authorization", bearer(GuardedServiceTest.BETA)).statusCode()).isEqualTo(200);
        // refused requests are not counted against anyone: an unknown key is a 401, never a 429
        assertProblem(api.get("/v1/models", "Authorization", "Bearer unknown"), 401, "unauthorized", "/v1/models");

        Thread.sleep(retryAfter * 1000);
        assertThat(api.get("/v1/models", "Authorization", key).statusCode()).isEqualTo(200);
    }

    /**
     * Scoring requests beyond {@code pastiche.model.max-queued} (1 here) waiting for the forward pass
     * are refused at once with 503 {@code queue-full} and {@code Retry-After}; the others are scored.
     */
    @Test
    void scoringBeyondMaxQueuedIs503QueueFullWithRetryAfter() throws Exception {
        ApiClient.Multipart pair = new ApiClient.Multipart().png("reference", ApiClient.Images.png(ApiClient.Images.pattern(128, 128, 1)))
                .png("candidate", ApiClient.Images.png(ApiClient.Images.pattern(128, 128, 2)));
        List<java.util.concurrent.Future<HttpResponse<byte[]>>> sent = new ArrayList<>();
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(8);
        List<HttpResponse<byte[]>> responses = new ArrayList<>();
        try {
            java.util.concurrent.CountDownLatch ready = new java.util.concurrent.CountDownLatch(8);
            for (int i = 0; i < 8; i++) {
                sent.add(threads.submit(() -> {
                    ready.countDown();
                    ready.await();
                    return api.post("/v1/perceptual-distance", pair, "Authorization", bearer(GuardedServiceTest.BETA));
                }));
            }
            for (var response : sent) {
                responses.add(response.get(2, java.util.concurrent.TimeUnit.MINUTES));
            }
        } finally {
            threads.shutdownNow();
        }

        List<HttpResponse<byte[]>> refused = responses.stream().filter(r -> r.statusCode() != 200).toList();
        assertThat(refused).as("one computes, one waits: the rest cannot all have been scored").isNotEmpty();
        assertThat(responses.size() - refused.size()).as("scored").isGreaterThanOrEqualTo(1);
        for (HttpResponse<byte[]> response : refused) {
            JsonNode problem = assertProblem(response, 503, "queue-full", "/v1/perceptual-distance");
            assertThat(problem.path("detail").asString()).contains("pastiche.model.max-queued");
            assertThat(response.headers().firstValue("Retry-After")).isPresent();
        }
    }

    @Test
    void actuatorExposesOnlyHealthInfoAndPrometheus() {
        JsonNode links = json(api.get("/actuator")).path("_links");
        List<String> exposed = new ArrayList<>();
        links.propertyNames().forEach(exposed::add);
        assertThat(exposed).allSatisfy(name -> assertThat(name).matches("self|health(-path)?|info|prometheus"));
        assertThat(api.get("/actuator/health").statusCode()).isEqualTo(200);
        assertThat(api.get("/actuator/info").statusCode()).isEqualTo(200);
        assertThat(api.get("/actuator/prometheus").statusCode()).isEqualTo(200);
        for (String hidden : List.of("env", "beans", "configprops", "heapdump", "threaddump", "loggers", "metrics", "mappings",
                "shutdown", "scheduledtasks", "conditions", "caches", "sbom")) {
            assertProblem(api.get("/actuator/" + hidden), 404, "not-found", "/actuator/" + hidden);
        }
        // health says UP or DOWN to anyone, but not what it checked or where
        assertThat(text(api.get("/actuator/health"))).doesNotContain("jdbc", "h2", "details");
    }

    @Test
    void keysSecretsAndImageBytesNeverReachTheLogs(CapturedOutput output) {
        String marker = "PASTICHE-LOG-CANARY-" + System.nanoTime();
        byte[] image = ApiClient.Images.png(ApiClient.Images.pattern(48, 32, 3));
        byte[] truncated = Arrays.copyOf(ApiClient.Images.png(ApiClient.Images.noise(48, 32, 9)), 300);
        byte[] text = (marker + " is not an image").getBytes(StandardCharsets.UTF_8);
        String wrongKey = "wrong-key-" + marker;

        assertThat(api.get("/v1/models", "Authorization", "Bearer " + wrongKey).statusCode()).isEqualTo(401);
        ApiClient.Multipart job = new ApiClient.Multipart().png("content", image).png("style", image)
                .json("options", "{\"size\": 48, \"iterations\": 2, \"webhook\": {\"url\": \"http://127.0.0.1:9/" + marker + "\"}}");
        assertThat(api.post(JOBS, job, "Authorization", bearer(GuardedServiceTest.ALPHA)).statusCode()).isEqualTo(400);
        ApiClient.Multipart bad = new ApiClient.Multipart().png("content", truncated).file("style", "s.png", "image/png", text);
        assertThat(api.post(JOBS, bad, "Authorization", bearer(GuardedServiceTest.ALPHA)).statusCode()).isEqualTo(422);
        ApiClient.Multipart good = new ApiClient.Multipart().png("content", image).png("style", image)
                .json("options", "{\"size\": 48, \"iterations\": 2}");
        assertThat(api.post(JOBS, good, "Authorization", bearer(GuardedServiceTest.ALPHA)).statusCode()).isEqualTo(202);
        IntStream.range(0, 3).forEach(i -> api.post("/v1/feature-maps", new ApiClient.Multipart().png("image", image)
                .field("layer", "block1_conv1").field("channels", "2"), "Authorization", bearer(GuardedServiceTest.BETA)));

        // the capture sees what the application's loggers write
        org.slf4j.LoggerFactory.getLogger(SecurityTests.class).warn("capture check {}", marker.substring(0, 8));
        String logs = output.getAll();
        assertThat(logs).contains("capture check PASTICHE");
        assertThat(logs).doesNotContain(marker, GuardedServiceTest.ALPHA, GuardedServiceTest.BETA, GuardedServiceTest.GAMMA,
                GuardedServiceTest.WEBHOOK_SECRET, GuardedServiceTest.WEBHOOK_SECRET.substring("whsec_".length()),
                Base64.getEncoder().encodeToString(image).substring(0, 40), "\u0089PNG", "IHDR");
    }
}
