package dev.pastiche.web;

import static dev.pastiche.web.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pastiche.testing.ServiceProcess;
import dev.pastiche.testing.TestPostgres;
import dev.pastiche.transfer.TransferCheckpoint;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Issue 16's two-node fault, every build: two service processes on one PostgreSQL schema and one
 * blob directory share 20 jobs; the node running a job that has a checkpoint is killed with SIGKILL
 * and started again. Every job must finish exactly once (one row, one result, one {@code SUCCEEDED}
 * in JobRunr's history), the killed job must go on from the checkpoint its node last wrote, the
 * others must run once and never resume, and the blob directory must hold exactly the blobs the
 * rows name: no checkpoint, replaced preview or half-written file left behind. The same scenario,
 * on a private PostgreSQL cluster and the packaged jar, is {@code scripts/load/faults.sh two-nodes}.
 */
@Timeout(value = 12, unit = TimeUnit.MINUTES) // every wait is bounded; this bounds their sum
class TwoNodeFaultTests {

    private static final String JOBS = "/v1/style-transfers";
    private static final int COUNT = 20;
    private static final int ITERATIONS = 24;
    /** Small and short, with previews (replaced every 5 iterations); checkpoints every 250 ms, so that even a fast machine writes one early. */
    private static final String OPTIONS = "{\"size\": 32, \"iterations\": " + ITERATIONS + ", \"optimizer\": \"adam\", \"previewEvery\": 5, \"seed\": %d}";
    private static final Duration START = Duration.ofSeconds(180);
    private static final Duration PICKUP = Duration.ofSeconds(120);
    /** Orphan detection (≤ 25 s), back-off and polls, and what is left of 20 short jobs on two workers. */
    private static final Duration DRAIN = Duration.ofSeconds(360);

    private final List<ServiceProcess> processes = new ArrayList<>();

    @AfterEach
    void killEveryProcess() {
        processes.forEach(ServiceProcess::close);
    }

    @Test
    void twentyJobsFinishOnceAfterANodeIsKilledAndRestarted(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        TestPostgres.Schema schema = TestPostgres.freshSchema("nodes");
        Path blobs = dir.resolve("blobs");
        try {
            String[] args = {"--spring.datasource.url=" + schema.url(), "--spring.datasource.username=" + TestPostgres.USER,
                    "--spring.datasource.password=" + TestPostgres.PASSWORD, "--jobrunr.database.table-prefix=" + schema.jobrunrTablePrefix(),
                    "--pastiche.storage.root=" + blobs, "--pastiche.jobs.checkpoint-interval=250ms", "--pastiche.jobs.max-queued=100"};
            Map<String, ServiceProcess> nodes = new LinkedHashMap<>();
            for (String name : List.of("node-a", "node-b")) {
                nodes.put(name, start(name, dir, args));
            }
            for (ServiceProcess node : nodes.values()) {
                node.awaitReady(START);
            }
            List<ApiClient> apis = nodes.values().stream().map(node -> new ApiClient(node.port())).toList();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < COUNT; i++) {
                ids.add(submit(apis.get(i % 2), i));
            }

            // the moment: a job runs on a node and has a checkpoint of its run there
            Victim victim;
            try (Connection db = schema.connect()) {
                victim = awaitCheckpointedJob(db, nodes.values());
            }
            ServiceProcess killed = nodes.get(victim.node());
            long killedAt = System.nanoTime();
            Instant killInstant = Instant.now();
            assertThat(killed.kill()).as("exit status of the killed process").isEqualTo(ServiceProcess.SIGKILLED);
            TransferCheckpoint last;
            try (Connection db = schema.connect()) {
                assertThat(jobColumn(db, victim.job(), "status")).as("the killed job's row").isEqualTo("RUNNING");
                last = TransferCheckpoint.fromBytes(Files.readAllBytes(blobPath(blobs, jobColumn(db, victim.job(), "checkpoint_blob"))));
            }
            ServiceProcess restarted = start(victim.node(), dir, args);
            nodes.put(victim.node(), restarted);
            restarted.awaitReady(START);
            log("killed %s running job %s at its checkpoint of iteration %d; restarted and ready %.1f s later", killedAt, victim.node(),
                    victim.job(), last.iteration());

            ApiClient api = new ApiClient(restarted.port());
            Map<String, JsonNode> done = awaitAllFinished(api, ids, nodes.values());
            log("all %d jobs finished %.1f s after the kill", killedAt, COUNT);
            assertThat(done.values()).as("every job succeeded").allSatisfy(job -> assertThat(job.get("status").asString()).isEqualTo("succeeded"));
            for (JsonNode job : done.values()) {
                assertThat(job.get("result").get("evaluations").asInt()).as("job %s", job).isEqualTo(ITERATIONS);
                assertThat(job.get("progress").get("iteration").asInt()).isEqualTo(ITERATIONS);
                HttpResponse<byte[]> result = api.get(JOBS + "/" + job.get("id").asString() + "/result");
                assertThat(result.statusCode()).isEqualTo(200);
                assertThat(ApiClient.Images.decode(result.body()).getWidth()).isEqualTo(32);
            }

            // the killed job went on from its node's last checkpoint; no other job resumed
            JsonNode resumed = done.get(victim.job()).get("recipe").get("resumed");
            assertThat(resumed).as("recipe of the killed job %s", done.get(victim.job()).get("recipe")).isNotNull();
            assertThat(resumed.get("fromIteration").asInt()).isEqualTo(last.iteration()).isPositive();
            assertThat(resumed.get("optimizerHistory").asString()).startsWith("restored");
            assertThat(done.entrySet().stream().filter(e -> !e.getKey().equals(victim.job())).map(e -> e.getValue().get("recipe")))
                    .as("recipes of the jobs not killed").allSatisfy(recipe -> assertThat(recipe.has("resumed")).as("%s", recipe).isFalse());

            try (Connection db = schema.connect()) {
                assertOncePerJob(db, ids, victim);
                Map<String, Long> byNode = ids.stream().collect(Collectors.groupingBy(id -> {
                    try {
                        List<String> servers = JobRunrHistory.processingServers(db, id);
                        return servers.get(servers.size() - 1);
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                }, TreeMap::new, Collectors.counting()));
                log("jobs finished by node: %s (%.1f s)", killedAt, byNode);
                assertNoBlobOrphaned(db, blobs, victim.started(), killInstant);
            }
        } finally {
            killEveryProcess();
            schema.drop();
        }
    }

    private record Victim(String node, String job, Instant started) {
    }

    /** A node with one core's worth of threads: two on this test's machine, as two one-CPU pods. */
    private ServiceProcess start(String name, Path dir, String... args) {
        ServiceProcess process = ServiceProcess.start(name, dir, Map.of("OMP_NUM_THREADS", "1"), args);
        processes.add(process);
        return process;
    }

    private static String submit(ApiClient api, int seed) {
        HttpResponse<byte[]> created = api.post(JOBS, new ApiClient.Multipart()
                .png("content", ApiClient.Images.png(ApiClient.Images.noise(48, 40, seed)))
                .png("style", ApiClient.Images.png(ApiClient.Images.pattern(40, 40, 2)))
                .json("options", OPTIONS.formatted(seed)));
        assertThat(created.statusCode()).as(ApiClient.text(created)).isEqualTo(202);
        return json(created).get("id").asString();
    }

    /** Until a running job has a checkpoint written during its current run: returns it and the node that runs it. */
    private static Victim awaitCheckpointedJob(Connection db, Iterable<ServiceProcess> nodes) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + PICKUP.toNanos();
        while (System.nanoTime() < deadline) {
            try (PreparedStatement running = db.prepareStatement(
                    "SELECT id, progress, started_at FROM style_transfer_job WHERE status = 'RUNNING' AND checkpoint_blob IS NOT NULL ORDER BY started_at")) {
                try (ResultSet rs = running.executeQuery()) {
                    while (rs.next()) {
                        String id = rs.getString(1);
                        // not so near its end that it would finish before the kill lands
                        if (rs.getString(2) == null || JsonMapper.shared().readTree(rs.getString(2)).path("iteration").asInt() > ITERATIONS * 2 / 3) {
                            continue;
                        }
                        List<String> servers = JobRunrHistory.processingServers(db, id);
                        if (!servers.isEmpty()) {
                            return new Victim(servers.get(servers.size() - 1), id, rs.getTimestamp(3).toInstant());
                        }
                    }
                }
            }
            Thread.sleep(100);
        }
        StringBuilder logs = new StringBuilder();
        nodes.forEach(node -> logs.append('\n').append(node.logTail(30)));
        throw new AssertionError("no running job wrote a checkpoint within " + PICKUP + logs);
    }

    /** One column of the job's row ({@code column} is this class's own text, never a client's). */
    private static String jobColumn(Connection db, String id, String column) throws SQLException {
        try (PreparedStatement row = db.prepareStatement("SELECT " + column + " FROM style_transfer_job WHERE id = ?")) {
            row.setObject(1, UUID.fromString(id));
            try (ResultSet rs = row.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getString(1);
            }
        }
    }

    private static Path blobPath(Path root, String key) {
        return root.resolve(key.substring(0, 2)).resolve(key.substring(2, 4)).resolve(key);
    }

    /** Polls the list until no job is queued or running; the jobs by id. */
    private static Map<String, JsonNode> awaitAllFinished(ApiClient api, List<String> ids, Iterable<ServiceProcess> nodes)
            throws InterruptedException {
        long deadline = System.nanoTime() + DRAIN.toNanos();
        Map<String, JsonNode> jobs = new HashMap<>();
        while (System.nanoTime() < deadline) {
            jobs.clear();
            json(api.get(JOBS + "?limit=100")).get("items").valueStream().forEach(job -> jobs.put(job.get("id").asString(), job));
            assertThat(jobs.keySet()).as("the jobs listed").containsExactlyInAnyOrderElementsOf(ids);
            if (jobs.values().stream().noneMatch(job -> Set.of("queued", "running").contains(job.get("status").asString()))) {
                // the list shows no recipe: read each job whole
                ids.forEach(id -> jobs.put(id, json(api.get(JOBS + "/" + id))));
                return jobs;
            }
            Thread.sleep(500);
        }
        StringBuilder logs = new StringBuilder();
        nodes.forEach(node -> logs.append('\n').append(node.logTail(30)));
        throw new AssertionError("jobs still unfinished after " + DRAIN + ": " + jobs.values().stream()
                .map(job -> job.get("status").asString()).collect(Collectors.groupingBy(s -> s, Collectors.counting())) + logs);
    }

    /**
     * One row and one result per job, and in JobRunr's history one {@code SUCCEEDED}, last. The
     * killed job was processed by its node, failed there as orphaned and processed once more; every
     * other job was processed once and never failed.
     */
    private static void assertOncePerJob(Connection db, List<String> ids, Victim victim) throws SQLException {
        try (PreparedStatement rows = db.prepareStatement("SELECT id, status, result_blob, checkpoint_blob FROM style_transfer_job")) {
            try (ResultSet rs = rows.executeQuery()) {
                List<String> seen = new ArrayList<>();
                while (rs.next()) {
                    seen.add(rs.getString("id"));
                    assertThat(rs.getString("status")).isEqualTo("SUCCEEDED");
                    assertThat(rs.getString("result_blob")).matches("[0-9a-f]{64}");
                    assertThat(rs.getString("checkpoint_blob")).as("a finished job's checkpoint is dropped").isNull();
                }
                assertThat(seen).containsExactlyInAnyOrderElementsOf(ids);
            }
        }
        for (String id : ids) {
            JsonNode history = JobRunrHistory.of(db, id);
            List<String> states = history.valueStream().map(s -> s.get("state").asString()).toList();
            assertThat(states).as("JobRunr history of %s: %s", id, history).containsOnlyOnce("SUCCEEDED").endsWith("SUCCEEDED");
            List<String> failures = history.valueStream().filter(s -> s.get("state").asString().equals("FAILED"))
                    .map(s -> s.path("message").asString()).toList();
            List<String> servers = JobRunrHistory.processingServers(db, id);
            if (id.equals(victim.job())) {
                assertThat(failures).as("history %s", history).containsExactly("Orphaned job");
                assertThat(servers).as("history %s", history).hasSize(2).first().isEqualTo(victim.node());
            } else {
                assertThat(failures).as("history %s", history).isEmpty();
                assertThat(servers).as("history %s", history).hasSize(1);
            }
        }
    }

    /**
     * The blob directory holds exactly what the rows name: every named blob is there, and nothing else
     * is. The one exception is what the kill itself can leave if it lands in the milliseconds between
     * a put and the row that names it, or between that row and the delete of what it replaced (a
     * checkpoint, a preview, a half-written file): one file the killed job wrote before the kill, which
     * the orphan sweep ({@code pastiche.storage.orphan-grace}) removes.
     */
    private static void assertNoBlobOrphaned(Connection db, Path root, Instant from, Instant kill) throws SQLException, IOException {
        Set<String> named = new HashSet<>();
        try (PreparedStatement rows = db.prepareStatement(
                "SELECT content_blob, style_blobs, mask_blobs, preview_blob, result_blob, checkpoint_blob FROM style_transfer_job")) {
            try (ResultSet rs = rows.executeQuery()) {
                while (rs.next()) {
                    for (int column = 1; column <= 6; column++) {
                        String value = rs.getString(column);
                        if (value != null) {
                            Stream.of(value.split("[^0-9a-f]+")).filter(key -> key.length() == 64).forEach(named::add);
                        }
                    }
                }
            }
        }
        List<Path> files;
        try (Stream<Path> walk = Files.walk(root)) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        List<Path> leftByTheKill = new ArrayList<>();
        for (Path file : files) {
            Instant written = Files.getLastModifiedTime(file).toInstant();
            boolean unnamed = !named.contains(file.getFileName().toString());
            if (unnamed && !written.isBefore(from) && !written.isAfter(kill)) {
                leftByTheKill.add(file);
            }
        }
        if (!leftByTheKill.isEmpty()) {
            System.out.printf("[two-nodes] the kill landed between a put and its row: %s, left to the orphan sweep%n", leftByTheKill);
        }
        assertThat(leftByTheKill).as("files the kill left").hasSizeLessThanOrEqualTo(1);
        List<Path> kept = files.stream().filter(file -> !leftByTheKill.contains(file)).toList();
        assertThat(kept).as("no half-written blob").noneMatch(file -> file.getFileName().toString().endsWith(".part"));
        Set<String> stored = kept.stream().map(file -> file.getFileName().toString()).collect(Collectors.toSet());
        assertThat(stored).as("blobs no row names").isSubsetOf(named);
        assertThat(named).as("blobs rows name but the store lacks").isSubsetOf(stored);
    }

    private static void log(String format, long since, Object... args) {
        Object[] all = new Object[args.length + 1];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = (System.nanoTime() - since) / 1e9;
        System.out.printf("[two-nodes] " + format + "%n", all);
    }
}
