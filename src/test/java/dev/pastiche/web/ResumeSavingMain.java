package dev.pastiche.web;

import static dev.pastiche.web.ApiClient.json;

import dev.pastiche.testing.ServiceProcess;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import tools.jackson.databind.JsonNode;

/**
 * The work a checkpoint saves when a worker is killed late in a job (docs/reliability.md,
 * Checkpoints): one service process on an H2 file with the default checkpoint interval (30 s),
 * one job, SIGKILL (or with {@code term}, SIGTERM: a scale-down) once the job is {@code fraction}
 * done, a second process on the same files, and the iterations the resumed job did not have to
 * redo. Run with the test class path:
 * {@code java -cp … dev.pastiche.web.ResumeSavingMain [size] [iterations] [fraction] [kill|term] [checkpoint-interval]}.
 */
public final class ResumeSavingMain {

    private ResumeSavingMain() {
    }

    public static void main(String[] args) throws Exception {
        int size = args.length > 0 ? Integer.parseInt(args[0]) : 128;
        int iterations = args.length > 1 ? Integer.parseInt(args[1]) : 400;
        double killAt = args.length > 2 ? Double.parseDouble(args[2]) : 0.8;
        boolean term = args.length > 3 && args[3].equals("term");
        String interval = args.length > 4 ? args[4] : "30s";
        Path dir = Files.createTempDirectory("resume-saving");
        String[] config = {"--spring.datasource.url=jdbc:h2:file:" + dir.resolve("db")
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0",
                "--pastiche.storage.root=" + dir.resolve("blobs"), "--pastiche.jobs.checkpoint-interval=" + interval};
        try (ServiceProcess first = ServiceProcess.start("first", dir, config)) {
            first.awaitReady(Duration.ofMinutes(3));
            ApiClient api = new ApiClient(first.port());
            HttpResponse<byte[]> created = api.post("/v1/style-transfers", new ApiClient.Multipart()
                    .png("content", ApiClient.Images.png(ApiClient.Images.pattern(size, size * 3 / 4, 1)))
                    .png("style", ApiClient.Images.png(ApiClient.Images.pattern(size, size, 2)))
                    .json("options", "{\"size\": " + size + ", \"iterations\": " + iterations + ", \"optimizer\": \"adam\", \"seed\": 5}"));
            String id = json(created).get("id").asString();
            long start = 0;
            JsonNode job;
            do {
                Thread.sleep(200);
                job = json(api.get("/v1/style-transfers/" + id));
                if (start == 0 && job.get("status").asString().equals("running")) {
                    start = System.nanoTime();
                }
            } while (job.get("progress").isNull() || job.get("progress").get("fraction").asDouble() < killAt);
            int reached = job.get("progress").get("iteration").asInt();
            double ranFor = (System.nanoTime() - start) / 1e9;
            long stopping = System.nanoTime();
            int exit = term ? first.stop() : first.kill();
            System.out.printf("%s: exit status %d, %.1f s after the signal%n", term ? "SIGTERM" : "SIGKILL", exit,
                    (System.nanoTime() - stopping) / 1e9);

            try (ServiceProcess second = ServiceProcess.start("second", dir, config)) {
                second.awaitReady(Duration.ofMinutes(3));
                long restarted = System.nanoTime();
                ApiClient next = new ApiClient(second.port());
                do {
                    Thread.sleep(500);
                    job = json(next.get("/v1/style-transfers/" + id));
                } while (!job.get("status").asString().equals("succeeded") && !job.get("status").asString().equals("failed"));
                double finishedIn = (System.nanoTime() - restarted) / 1e9;
                JsonNode resumed = job.get("recipe").path("resumed");
                int from = resumed.path("fromIteration").asInt(0);
                System.out.printf("size %d, %d iterations (adam), stopped at %d (%.0f %% of the job, after %.1f s of running)%n", size,
                        iterations, reached, 100.0 * reached / iterations, ranFor);
                System.out.printf("resumed from iteration %d: %d of %d iterations done before the stop kept (%.1f %%), %d redone%n", from,
                        from, reached, 100.0 * from / reached, reached - from);
                System.out.printf("status %s %.1f s after the second process was ready (orphan detection, retry back-off and %d iterations)%n",
                        job.get("status").asString(), finishedIn, iterations - from);
            }
        }
    }
}
