package dev.pastiche.web;

import static dev.pastiche.web.ApiClient.assertProblem;
import static dev.pastiche.web.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.awt.image.BufferedImage;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/** The life of a style-transfer job over real HTTP, on the embedded H2 queue. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"pastiche.weights.source=random", "pastiche.jobs.max-queued=2", "pastiche.webhooks.secret=whsec_c3RhdGUtdGVzdHMtc2VjcmV0"})
class StyleTransferJobTests {

    private static final String JOBS = "/v1/style-transfers";
    /** JobRunr polls every 5 s: a job starts within one poll. */
    private static final Duration WAIT = Duration.ofSeconds(90);

    @LocalServerPort
    int port;

    private ApiClient api;

    @BeforeEach
    void client() {
        api = new ApiClient(port);
    }

    private static ApiClient.Multipart job(String options) {
        ApiClient.Multipart body = new ApiClient.Multipart()
                .png("content", ApiClient.Images.png(ApiClient.Images.pattern(48, 32, 1)))
                .png("style", ApiClient.Images.png(ApiClient.Images.pattern(40, 40, 2)));
        return options == null ? body : body.json("options", options);
    }

    @Test
    void aJobRunsToSuccessAndServesItsResultPreviewAndListing() throws Exception {
        HttpResponse<byte[]> created = api.post(JOBS, job("{\"size\": 48, \"iterations\": 6, \"optimizer\": \"adam\", \"previewEvery\": 3, \"seed\": 7}"));
        assertThat(created.statusCode()).isEqualTo(202);
        JsonNode job = json(created);
        String id = job.get("id").asString();
        assertThat(created.headers().firstValue("Location")).contains(JOBS + "/" + id);
        assertThat(job.get("status").asString()).isIn("queued", "running");
        assertThat(job.get("options").get("seed").asLong()).isEqualTo(7);
        assertThat(job.get("options").get("optimizer").asString()).isEqualTo("adam");
        assertThat(job.get("links").get("result").asString()).isEqualTo(JOBS + "/" + id + "/result");
        assertProblem(api.get(JOBS + "/" + id + "/result"), 409, "not-ready", JOBS + "/" + id + "/result");

        JsonNode done = await(id, j -> j.get("status").asString().equals("succeeded"));
        assertThat(done.get("result").get("width").asInt()).isEqualTo(48);
        assertThat(done.get("result").get("height").asInt()).isEqualTo(32);
        assertThat(done.get("progress").get("fraction").asDouble()).isEqualTo(1.0);
        assertThat(done.get("startedAt").isNull()).isFalse();
        assertThat(done.get("finishedAt").isNull()).isFalse();

        HttpResponse<byte[]> result = api.get(JOBS + "/" + id + "/result");
        assertThat(result.statusCode()).isEqualTo(200);
        assertThat(result.headers().firstValue("Content-Type")).contains("image/png");
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(result.body()));
        assertThat(image.getWidth()).isEqualTo(48);
        assertThat(image.getHeight()).isEqualTo(32);
        assertThat(api.get(JOBS + "/" + id + "/preview").statusCode()).isEqualTo(200);

        JsonNode page = json(api.get(JOBS + "?status=succeeded&limit=100"));
        assertThat(page.get("items").valueStream().map(j -> j.get("id").asString())).contains(id);
    }

    @Test
    void eventsStreamProgressToTheEndAndResumeAfterLastEventId() throws Exception {
        // the stream polls the job's row every 250 ms and sends what changed, so the job must outlast a few polls
        // for a preview to be seen before the final event (six iterations sometimes finished within two)
        String id = json(api.post(JOBS, job("{\"size\": 48, \"iterations\": 60, \"optimizer\": \"adam\", \"previewEvery\": 2}"))).get("id").asString();
        List<String[]> events = events(id, null);
        assertThat(events).isNotEmpty();
        assertThat(events.get(events.size() - 1)[1]).isEqualTo("succeeded");
        assertThat(events.stream().map(e -> e[1])).contains("preview");
        List<Long> ids = events.stream().map(e -> Long.parseLong(e[0])).toList();
        assertThat(ids).isSorted().doesNotHaveDuplicates();
        assertThat(json(events.get(events.size() - 1)[2]).get("status").asString()).isEqualTo("succeeded");
        // resuming after the last event: nothing new, the stream just ends; after an earlier one: the final event again
        assertThat(events(id, ids.get(ids.size() - 1))).isEmpty();
        assertThat(events(id, ids.get(0))).last().satisfies(e -> assertThat(e[1]).isEqualTo("succeeded"));
    }

    @Test
    void theQueueIsMeasured() throws Exception {
        String id = json(api.post(JOBS, job("{\"size\": 48, \"iterations\": 3, \"optimizer\": \"adam\"}"))).get("id").asString();
        await(id, j -> j.get("status").asString().equals("succeeded"));
        assertProblem(api.post(JOBS, job("{\"size\": 0}")), 400, "validation", JOBS);
        String metrics = new String(api.get("/actuator/prometheus").body(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(metrics).contains("pastiche_jobs_queued", "pastiche_jobs_running",
                "pastiche_jobs_duration_seconds_count{application=\"pastiche\",outcome=\"succeeded\"}",
                "pastiche_jobs_rejected_total{application=\"pastiche\",reason=\"invalid\"}");
        assertThat(metrics.lines().filter(l -> l.startsWith("pastiche_jobs_iterations_total"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).max().orElse(0)).isGreaterThanOrEqualTo(3);
    }

    @Test
    void aFinishedJobRecordsItsRecipe() throws Exception {
        byte[] content = ApiClient.Images.png(ApiClient.Images.pattern(48, 32, 5));
        ApiClient.Multipart body = new ApiClient.Multipart().png("content", content)
                .png("style", ApiClient.Images.png(ApiClient.Images.pattern(40, 40, 2)))
                .json("options", "{\"size\": 48, \"iterations\": 2, \"optimizer\": \"adam\", \"seed\": 11}");
        String id = json(api.post(JOBS, body)).get("id").asString();
        JsonNode recipe = await(id, j -> j.get("status").asString().equals("succeeded")).get("recipe");
        assertThat(recipe.get("inputs").get("content").asString())
                .isEqualTo(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(content)));
        assertThat(recipe.get("options").get("seed").asLong()).isEqualTo(11);
        assertThat(recipe.get("options").get("optimizer").asString()).isEqualTo("adam");
        assertThat(recipe.get("weights").get("source").asString()).isEqualTo("random");
        assertThat(recipe.get("engine").asString()).startsWith("pastiche-transfer/");
        assertThat(recipe.get("pytorch").asString()).isNotBlank();
    }

    /** API.md's spatial, colour and scale control through HTTP: masks stored, recorded by SHA-256, and removed with the job. */
    @Test
    void aMaskedTwoStyleJobRunsRecordsItsMasksAndDeletesThem() throws Exception {
        byte[] content = ApiClient.Images.png(ApiClient.Images.pattern(48, 32, 5));
        // grey and alpha masks, at twice the content's size, overlapping in the middle
        java.awt.image.BufferedImage left = new java.awt.image.BufferedImage(96, 64, java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
        java.awt.image.BufferedImage right = new java.awt.image.BufferedImage(96, 64, java.awt.image.BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 96; x++) {
                left.getRaster().setSample(x, y, 0, x < 56 ? 255 : 0);
                right.setRGB(x, y, x >= 40 ? 0xff000000 : 0x00ffffff);
            }
        }
        byte[] leftMask = ApiClient.Images.png(left);
        byte[] rightMask = ApiClient.Images.png(right);
        ApiClient.Multipart body = new ApiClient.Multipart().png("content", content)
                .png("style", ApiClient.Images.png(ApiClient.Images.pattern(40, 40, 2)))
                .png("style", ApiClient.Images.png(ApiClient.Images.noise(40, 40, 3))).png("mask", leftMask).png("mask", rightMask)
                .json("options", "{\"size\": 48, \"iterations\": 3, \"optimizer\": \"lbfgs\", \"scales\": 2, \"minSize\": 32, "
                        + "\"initialIterations\": 1, \"colorMode\": \"histogram\", \"styleScales\": [1, 1.5], \"seed\": 3}");

        HttpResponse<byte[]> created = api.post(JOBS, body);

        assertThat(created.statusCode()).as(ApiClient.text(created)).isEqualTo(202);
        JsonNode options = json(created).get("options");
        assertThat(options.get("colorMode").asString()).isEqualTo("histogram");
        assertThat(options.get("styleScales").valueStream().map(JsonNode::asDouble)).containsExactly(1.0, 1.5);
        String id = json(created).get("id").asString();
        JsonNode done = await(id, j -> j.get("status").asString().equals("succeeded"));
        assertThat(done.get("recipe").get("inputs").get("masks").valueStream().map(JsonNode::asString))
                .containsExactly(sha256(leftMask), sha256(rightMask));
        assertThat(ApiClient.Images.decode(api.get(JOBS + "/" + id + "/result").body()).getWidth()).isEqualTo(48);

        assertThat(api.delete(JOBS + "/" + id).statusCode()).isEqualTo(204);
        assertThat(jdbc.sql("SELECT COUNT(*) FROM style_transfer_job WHERE mask_blobs LIKE :like").param("like", "%" + sha256(leftMask) + "%")
                .query(Long.class).single()).isZero();
        assertThat(blobs.get(sha256(leftMask))).as("the mask's blob, deleted with its only job").isEmpty();
    }

    private static String sha256(byte[] bytes) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Test
    void anIdempotencyKeyReturnsTheFirstJobForTheSameRequestAndRefusesAnother() {
        String key = "key-" + java.util.UUID.randomUUID();
        String options = "{\"size\": 48, \"iterations\": 2, \"optimizer\": \"adam\"}";
        HttpResponse<byte[]> first = api.post(JOBS, job(options), "Idempotency-Key", key);
        HttpResponse<byte[]> again = api.post(JOBS, job(options), "Idempotency-Key", key);
        assertThat(first.statusCode()).isEqualTo(202);
        assertThat(again.statusCode()).isEqualTo(202);
        assertThat(json(again).get("id").asString()).isEqualTo(json(first).get("id").asString());
        assertProblem(api.post(JOBS, job("{\"size\": 48, \"iterations\": 3, \"optimizer\": \"adam\"}"), "Idempotency-Key", key),
                409, "idempotency-conflict", JOBS);
        assertProblem(api.post(JOBS, job(options), "Idempotency-Key", "k".repeat(256)), 400, "validation", JOBS);
        api.delete(JOBS + "/" + json(first).get("id").asString());
    }

    @Test
    void aFullQueueAnswers503WithRetryAfter() {
        List<String> created = new java.util.ArrayList<>();
        HttpResponse<byte[]> refused = null;
        try {
            for (int i = 0; i < 4 && refused == null; i++) {
                HttpResponse<byte[]> response = api.post(JOBS, job("{\"size\": 64, \"iterations\": 5000, \"optimizer\": \"adam\"}"));
                if (response.statusCode() == 202) {
                    created.add(json(response).get("id").asString());
                } else {
                    refused = response;
                }
            }
            assertThat(refused).as("a submission beyond pastiche.jobs.max-queued=2").isNotNull();
            assertProblem(refused, 503, "queue-full", JOBS);
            assertThat(refused.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(Integer.parseInt(v)).isPositive());
        } finally {
            created.forEach(id -> api.delete(JOBS + "/" + id));
        }
    }

    /** Reads a job's event stream to its end: [id, event, data] per event. */
    private List<String[]> events(String id, Long lastEventId) throws Exception {
        java.net.http.HttpRequest.Builder request = java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://localhost:" + port + JOBS + "/" + id + "/events")).timeout(WAIT);
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId.toString());
        }
        HttpResponse<java.util.stream.Stream<String>> response = java.net.http.HttpClient.newHttpClient()
                .send(request.build(), HttpResponse.BodyHandlers.ofLines());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
        List<String[]> events = new java.util.ArrayList<>();
        String[] current = new String[3];
        for (String line : (Iterable<String>) response.body()::iterator) {
            if (line.startsWith("id:")) {
                current[0] = line.substring(3).trim();
            } else if (line.startsWith("event:")) {
                current[1] = line.substring(6).trim();
            } else if (line.startsWith("data:")) {
                current[2] = line.substring(5).trim();
            } else if (line.isEmpty() && current[1] != null) {
                events.add(current);
                current = new String[3];
            }
        }
        return events;
    }

    @Test
    void cancellingStopsARunningJobAndIsIdempotent() throws Exception {
        String id = json(api.post(JOBS, job("{\"size\": 64, \"iterations\": 5000, \"optimizer\": \"adam\"}"))).get("id").asString();
        await(id, j -> j.get("status").asString().equals("running") && !j.get("progress").isNull());
        assertThat(api.post(JOBS + "/" + id + "/cancel").statusCode()).isEqualTo(202);
        JsonNode cancelled = await(id, j -> j.get("status").asString().equals("cancelled"));
        assertThat(cancelled.get("progress").get("iteration").asInt()).isLessThan(5000);
        HttpResponse<byte[]> again = api.post(JOBS + "/" + id + "/cancel");
        assertThat(again.statusCode()).isEqualTo(202);
        assertThat(json(again).get("status").asString()).isEqualTo("cancelled");
    }

    @Autowired
    dev.pastiche.job.StyleTransferService service;

    @Autowired
    org.springframework.jdbc.core.simple.JdbcClient jdbc;

    @Test
    void theEngineOptionsRoundTripAndTheResultCountsIterationsAndEvaluations() throws Exception {
        HttpResponse<byte[]> created = api.post(JOBS, job("{\"size\": 48, \"minSize\": 32, \"scales\": 2, \"iterations\": 3, "
                + "\"initialIterations\": 2, \"optimizer\": \"lbfgs\", \"pooling\": \"avg\", \"styleLoss\": \"w2\", "
                + "\"styleLayerWeights\": [1, 1, 1, 2, 4], \"averageDecay\": 0.9, \"seed\": 5}"));
        assertThat(created.statusCode()).isEqualTo(202);
        JsonNode options = json(created).get("options");
        assertThat(options.get("pooling").asString()).isEqualTo("avg");
        assertThat(options.get("styleLoss").asString()).isEqualTo("w2");
        assertThat(options.get("initialIterations").asInt()).isEqualTo(2);
        assertThat(options.get("averageDecay").asDouble()).isEqualTo(0.9);
        assertThat(options.get("styleLayerWeights").valueStream().map(JsonNode::asDouble)).containsExactly(1.0, 1.0, 1.0, 2.0, 4.0);

        JsonNode done = await(json(created).get("id").asString(), j -> j.get("status").asString().equals("succeeded"));
        JsonNode result = done.get("result");
        // at most two iterations at the lower stage and three at the last (fewer when max_eval stops L-BFGS), one evaluation or more each
        assertThat(result.get("iterations").asInt()).isBetween(2, 5);
        assertThat(result.get("evaluations").asInt()).isGreaterThanOrEqualTo(result.get("iterations").asInt());
        assertThat(done.get("progress").get("evaluations").asInt()).isEqualTo(result.get("evaluations").asInt());
        assertThat(result.get("losses").get("total").asDouble()).isFinite().isPositive();
    }

    @Test
    void aJobThisWorkerCannotFitFailsAtOnceAsTooLargeWithAdvice() throws Exception {
        // another, far larger worker is live, so the submission is accepted; this worker (8 GB) cannot run it
        jdbc.sql("INSERT INTO worker_budget (node_id, budget_bytes, seen_at) VALUES ('huge-worker', ?, ?)")
                .params(1L << 40, java.sql.Timestamp.from(java.time.Instant.now())).update();
        try {
            HttpResponse<byte[]> created = api.post(JOBS, job("{\"size\": 2048, \"optimizer\": \"lbfgs\"}"));
            assertThat(created.statusCode()).isEqualTo(202);

            JsonNode failed = await(json(created).get("id").asString(), j -> j.get("status").asString().equals("failed"));
            assertThat(failed.get("error").get("type").asString()).isEqualTo("too-large");
            assertThat(failed.get("error").get("detail").asString()).contains("lower size").contains("downscaleToFit");
            assertThat(failed.get("progress").isNull() || failed.get("progress").isMissingNode()).as("no work was done").isTrue();
        } finally {
            jdbc.sql("DELETE FROM worker_budget WHERE node_id = 'huge-worker'").update();
        }
    }

    @Autowired
    dev.pastiche.storage.BlobStore blobs;

    @Test
    void retentionRemovesFinishedJobsAndTheirImages() throws Exception {
        byte[] content = ApiClient.Images.png(ApiClient.Images.pattern(48, 32, 9));
        ApiClient.Multipart body = new ApiClient.Multipart().png("content", content)
                .png("style", ApiClient.Images.png(ApiClient.Images.pattern(40, 40, 8)))
                .json("options", "{\"size\": 48, \"iterations\": 2, \"optimizer\": \"adam\"}");
        String id = json(api.post(JOBS, body)).get("id").asString();
        JsonNode done = await(id, j -> j.get("status").asString().equals("succeeded"));
        String contentKey = done.get("recipe").get("inputs").get("content").asString();
        assertThat(blobs.exists(contentKey)).isTrue();

        // jobs that finished before the cutoff go (older ones of other tests may too); this one stays
        service.purgeFinishedBefore(java.time.Instant.parse(done.get("finishedAt").asString()));
        assertThat(api.get(JOBS + "/" + id).statusCode()).isEqualTo(200);
        assertThat(blobs.exists(contentKey)).isTrue();
        assertThat(service.purgeFinishedBefore(java.time.Instant.now().plusSeconds(1))).isPositive();
        assertProblem(api.get(JOBS + "/" + id), 404, "not-found", JOBS + "/" + id);
        assertThat(blobs.exists(contentKey)).isFalse();
    }

    @Test
    void cancellingAQueuedJobCancelsItAtOnceAndPagesWalkNewestFirst() {
        String options = "{\"size\": 64, \"iterations\": 5000, \"optimizer\": \"adam\"}";
        String first = json(api.post(JOBS, job(options))).get("id").asString();
        String second = json(api.post(JOBS, job(options))).get("id").asString();
        try {
            HttpResponse<byte[]> cancelled = api.post(JOBS + "/" + second + "/cancel");
            assertThat(cancelled.statusCode()).isEqualTo(202);
            assertThat(json(cancelled).get("status").asString()).isEqualTo("cancelled");

            JsonNode page1 = json(api.get(JOBS + "?limit=1"));
            assertThat(page1.get("items")).hasSize(1);
            assertThat(page1.get("items").get(0).get("id").asString()).isEqualTo(second);
            JsonNode page2 = json(api.get(JOBS + "?limit=1&cursor=" + page1.get("next").asString()));
            assertThat(page2.get("items").get(0).get("id").asString()).isEqualTo(first);
            assertThat(json(api.get(JOBS + "?status=cancelled&limit=100")).get("items").valueStream()
                    .map(j -> j.get("id").asString())).contains(second).doesNotContain(first);
        } finally {
            api.delete(JOBS + "/" + first);
            api.delete(JOBS + "/" + second);
        }
    }

    @Test
    void deletingRemovesTheJob() throws Exception {
        String id = json(api.post(JOBS, job("{\"size\": 48, \"iterations\": 2, \"optimizer\": \"adam\"}"))).get("id").asString();
        assertThat(api.delete(JOBS + "/" + id).statusCode()).isEqualTo(204);
        assertProblem(api.get(JOBS + "/" + id), 404, "not-found", JOBS + "/" + id);
        assertProblem(api.delete(JOBS + "/" + id), 404, "not-found", JOBS + "/" + id);
    }

    @Test
    void invalidRequestsAreRefusedBeforeAnythingIsQueued() {
        HttpResponse<byte[]> bad = api.post(JOBS, job("{\"size\": 0, \"iterations\": -1, \"styleLayers\": [\"block9_conv9\"]}"));
        JsonNode problem = assertProblem(bad, 400, "validation", JOBS);
        assertThat(problem.get("errors").valueStream().map(e -> e.get("field").asString())).contains("size", "iterations", "styleLayers");

        assertProblem(api.post(JOBS, job("{\"sise\": 64}")), 400, "validation", JOBS);
        // webhooks may not reach into the service's own network unless configured to
        for (String target : List.of("http://127.0.0.1:9/hook", "http://169.254.169.254/latest", "http://10.1.2.3/x", "ftp://example.org/x")) {
            JsonNode refused = assertProblem(api.post(JOBS, job("{\"size\": 48, \"webhook\": {\"url\": \"" + target + "\"}}")),
                    400, "validation", JOBS);
            assertThat(refused.get("errors").get(0).get("field").asString()).isEqualTo("webhook");
        }
        assertProblem(api.post(JOBS, job("not json")), 400, "validation", JOBS);
        assertProblem(api.post(JOBS, job("{\"outputFormat\": \"gif\"}")), 400, "validation", JOBS);
        assertProblem(api.post(JOBS, new ApiClient.Multipart().png("content", ApiClient.Images.png(ApiClient.Images.pattern(48, 32, 1)))),
                400, "validation", JOBS);
        String unknown = JOBS + "/" + java.util.UUID.randomUUID();
        assertProblem(api.get(unknown), 404, "not-found", unknown);
        assertProblem(api.get(JOBS + "?limit=0"), 400, "validation", JOBS);
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
}
