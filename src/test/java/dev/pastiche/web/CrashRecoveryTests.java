package dev.pastiche.web;

import static dev.pastiche.web.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pastiche.testing.ServiceProcess;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Durability of the job queue against real crashes: the service runs as separate JVMs, the one
 * running a job is killed with SIGKILL mid-run, and the job must still end {@code succeeded} with
 * exactly one result. JobRunr declares the dead server's job orphaned once it has not been updated
 * for poll interval × multiplicand (5 s × 4, the least JobRunr allows), fails it as "Orphaned job"
 * and retries it; the handler takes a RUNNING row again and goes on from the job's last checkpoint
 * (written every 0.5 s here). Two nodes on PostgreSQL, one killed while others run and started
 * again, are {@link TwoNodeFaultTests}. The processes' logs stay in the test's temporary
 * directory when a test fails.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES) // every wait is bounded; this bounds their sum
class CrashRecoveryTests {

    private static final String JOBS = "/v1/style-transfers";
    private static final int ITERATIONS = 80;
    /** Long enough (several seconds) to be killed mid-run, short enough to run again quickly. */
    private static final String OPTIONS = "{\"size\": 48, \"iterations\": " + ITERATIONS + ", \"optimizer\": \"adam\", \"seed\": 5}";
    private static final Duration START = Duration.ofSeconds(120);
    private static final Duration PICKUP = Duration.ofSeconds(60);
    /** Orphan detection (≤ 25 s), the retry's back-off and poll (≤ 10 s), and the run again: 150 s is ample. */
    private static final Duration RECOVERY = Duration.ofSeconds(150);

    private final List<ServiceProcess> processes = new ArrayList<>();

    @AfterEach
    void killEveryProcess() {
        processes.forEach(ServiceProcess::close);
    }

    @Test
    void aJobKilledMidRunFinishesOnceInTheNextProcessOnTheSameH2File(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        String h2 = shippedH2Url(dir.resolve("db"));
        Path blobs = dir.resolve("blobs");
        // a checkpoint every 0.5 s: the job is killed after its first, and goes on from the last
        String[] args = {"--spring.datasource.url=" + h2, "--pastiche.storage.root=" + blobs, "--pastiche.jobs.checkpoint-interval=500ms"};
        ServiceProcess first = start("first", dir, args);
        first.awaitReady(START);
        String id = submit(new ApiClient(first.port()));
        awaitRunningMidway(new ApiClient(first.port()), id, first);
        awaitCheckpoint(blobs, first);
        // the blob is written just before the job's row points at it
        Thread.sleep(200);
        int reached = json(new ApiClient(first.port()).get(JOBS + "/" + id)).get("progress").get("iteration").asInt();

        long killed = System.nanoTime();
        assertThat(first.kill()).as("exit status of the killed process").isEqualTo(ServiceProcess.SIGKILLED);
        ServiceProcess second = start("second", dir, args);
        second.awaitReady(START);
        log("H2: restarted %.1f s after the kill", killed);
        ApiClient api = new ApiClient(second.port());
        JsonNode done = await(api, id, j -> j.get("status").asString().equals("succeeded"), RECOVERY, second);
        log("H2: job succeeded %.1f s after the kill", killed);
        assertOneResult(api, id, done);

        // it went on from its checkpoint, and ends bit for bit where a run never killed ends
        JsonNode resumed = done.get("recipe").get("resumed");
        assertThat(resumed).as("recipe %s", done.get("recipe")).isNotNull();
        assertThat(resumed.get("fromIteration").asInt()).isPositive().isLessThan(ITERATIONS);
        assertThat(resumed.get("optimizerHistory").asString()).startsWith("restored");
        assertThat(checkpointBlobs(blobs)).as("the finished job's checkpoint is deleted").isEmpty();
        String again = submit(api);
        JsonNode uninterrupted = await(api, again, j -> j.get("status").asString().equals("succeeded"), RECOVERY, second);
        assertThat(uninterrupted.get("recipe").has("resumed")).isFalse();
        assertThat(api.get(JOBS + "/" + id + "/result").body()).isEqualTo(api.get(JOBS + "/" + again + "/result").body());
        log("H2: killed at iteration %d, resumed from %d; same image as a run never killed (%.1f s)", killed, reached,
                resumed.get("fromIteration").asInt());

        // the database is a file that one process at a time may open: stop the service, then look inside
        second.stop();
        try (Connection db = DriverManager.getConnection(h2, "sa", "")) {
            assertJobRowAndHistory(db, id, "first", "second");
        }
    }

    /**
     * The H2 URL of application.yml with its file moved to {@code file}: the crash must hit the
     * settings users run (without WRITE_DELAY=0 the killed server's last commits were lost).
     */
    private static String shippedH2Url(Path file) throws IOException {
        Matcher url = Pattern.compile("url: jdbc:h2:file:\\./data/pastiche(;\\S+)").matcher(Files.readString(Path.of("src/main/resources/application.yml")));
        assertThat(url.find()).as("application.yml's H2 URL").isTrue();
        return "jdbc:h2:file:" + file + url.group(1);
    }

    private ServiceProcess start(String name, Path dir, String... args) {
        ServiceProcess process = ServiceProcess.start(name, dir, args);
        processes.add(process);
        return process;
    }

    private static String submit(ApiClient api) {
        HttpResponse<byte[]> created = api.post(JOBS, new ApiClient.Multipart()
                .png("content", ApiClient.Images.png(ApiClient.Images.pattern(48, 32, 1)))
                .png("style", ApiClient.Images.png(ApiClient.Images.pattern(40, 40, 2)))
                .json("options", OPTIONS));
        assertThat(created.statusCode()).as(ApiClient.text(created)).isEqualTo(202);
        return json(created).get("id").asString();
    }

    /** Until the job runs and has reported progress, but is not done: the moment to kill it. */
    private static void awaitRunningMidway(ApiClient api, String id, ServiceProcess... processes) throws InterruptedException {
        JsonNode job = await(api, id, j -> !j.get("status").asString().equals("queued") && !j.get("progress").isNull(), PICKUP, processes);
        assertThat(job.get("status").asString()).as("job %s", job).isEqualTo("running");
        assertThat(job.get("progress").get("iteration").asInt()).as("job %s", job).isLessThan(ITERATIONS);
    }

    /** Until the running job's first checkpoint is in the blob store. */
    private static void awaitCheckpoint(Path blobs, ServiceProcess process) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + PICKUP.toNanos();
        while (checkpointBlobs(blobs).isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no checkpoint within " + PICKUP + "\n" + process.logTail(40));
            }
            Thread.sleep(100);
        }
    }

    /** The blobs that are checkpoints (TransferCheckpoint's header), not images. */
    private static List<Path> checkpointBlobs(Path blobs) throws IOException {
        byte[] magic = "pastiche-checkpoint".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        try (var files = Files.walk(blobs)) {
            return files.filter(Files::isRegularFile).filter(file -> {
                try (var in = Files.newInputStream(file)) {
                    return java.util.Arrays.equals(in.readNBytes(magic.length), magic);
                } catch (IOException e) {
                    return false; // moved or deleted meanwhile
                }
            }).toList();
        } catch (java.io.UncheckedIOException e) {
            // a folder changed under the walk: look again
            return checkpointBlobs(blobs);
        }
    }

    /** The result is served once, whole: one full run's evaluations, not a resumed or doubled one. */
    private static void assertOneResult(ApiClient api, String id, JsonNode done) {
        assertThat(done.get("result").get("evaluations").asInt()).isEqualTo(ITERATIONS);
        assertThat(done.get("result").get("width").asInt()).isEqualTo(48);
        assertThat(done.get("progress").get("iteration").asInt()).isEqualTo(ITERATIONS);
        assertThat(done.get("error").isNull()).isTrue();
        assertThat(Instant.parse(done.get("finishedAt").asString())).isAfterOrEqualTo(Instant.parse(done.get("startedAt").asString()));
        HttpResponse<byte[]> result = api.get(JOBS + "/" + id + "/result");
        assertThat(result.statusCode()).isEqualTo(200);
        BufferedImage image = ApiClient.Images.decode(result.body());
        assertThat(image.getWidth()).isEqualTo(48);
        assertThat(image.getHeight()).isEqualTo(32);
        assertThat(json(api.get(JOBS + "?status=succeeded&limit=100")).get("items").valueStream()
                .filter(j -> j.get("id").asString().equals(id)).count()).isEqualTo(1);
    }

    /**
     * One job row with one result, and JobRunr's history of the job: processed by the killed server,
     * failed as orphaned, processed by the survivor, succeeded once.
     */
    private static void assertJobRowAndHistory(Connection db, String id, String killed, String survivor) throws SQLException {
        try (PreparedStatement rows = db.prepareStatement("SELECT status, result_blob, result FROM style_transfer_job WHERE id = ?")) {
            rows.setObject(1, UUID.fromString(id));
            try (ResultSet rs = rows.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString("status")).isEqualTo("SUCCEEDED");
                assertThat(rs.getString("result_blob")).matches("[0-9a-f]{64}");
                assertThat(rs.getString("result")).contains("\"evaluations\":" + ITERATIONS);
                assertThat(rs.next()).isFalse();
            }
        }
        JsonNode history = JobRunrHistory.of(db, id);
        List<String> states = history.valueStream().map(s -> s.get("state").asString()).toList();
        assertThat(states).as("JobRunr history %s", history).containsOnlyOnce("SUCCEEDED").endsWith("SUCCEEDED");
        assertThat(JobRunrHistory.processingServers(db, id)).as("servers that processed the job, %s", history).containsExactly(killed, survivor);
        assertThat(history.valueStream().filter(s -> s.get("state").asString().equals("FAILED")).map(s -> s.path("message").asString()))
                .as("JobRunr history %s", history).containsExactly("Orphaned job");
    }

    private static JsonNode await(ApiClient api, String id, Predicate<JsonNode> condition, Duration timeout, ServiceProcess... processes)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode job = null;
        while (System.nanoTime() < deadline) {
            job = json(api.get(JOBS + "/" + id));
            if (condition.test(job)) {
                return job;
            }
            assertThat(job.get("status").asString()).as("job %s", job).isIn("queued", "running");
            Thread.sleep(250);
        }
        StringBuilder logs = new StringBuilder();
        for (ServiceProcess process : processes) {
            logs.append('\n').append(process.logTail(40));
        }
        throw new AssertionError("job " + id + " did not reach the expected state in " + timeout + ": " + job + logs);
    }

    private static void log(String format, long since, Object... args) {
        Object[] all = new Object[args.length + 1];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = (System.nanoTime() - since) / 1e9;
        System.out.printf("[crash-recovery] " + format + "%n", all);
    }
}
