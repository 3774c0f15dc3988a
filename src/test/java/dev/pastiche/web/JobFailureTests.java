package dev.pastiche.web;

import static dev.pastiche.web.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.EngineException;
import dev.pastiche.perception.PerceptionModel;
import dev.pastiche.transfer.StyleTransferEngine;
import dev.pastiche.transfer.TransferCheckpoint;
import dev.pastiche.transfer.TransferListener;
import dev.pastiche.transfer.TransferProperties;
import dev.pastiche.transfer.TransferRequest;
import dev.pastiche.transfer.TransferResult;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.states.FailedState;
import org.jobrunr.jobs.states.StateName;
import org.jobrunr.storage.StorageProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import tools.jackson.databind.JsonNode;

/**
 * No job is left {@code running} (issue 16): with an engine that fails every attempt, JobRunr
 * retries the job (back-off seed 1 s here, 3 s by default) until its retries are spent, and the
 * job ends {@code failed} with an error type and detail; a job whose JobRunr job vanished is
 * failed by the sweep.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "pastiche.weights.source=random", "jobrunr.jobs.retry-back-off-time-seed=1", "pastiche.jobs.orphan-check=PT2S"})
class JobFailureTests {

    private static final String JOBS = "/v1/style-transfers";
    /** Four attempts, each within a poll (5 s) of the last one's back-off: well inside. */
    private static final Duration WAIT = Duration.ofSeconds(120);

    /** An engine whose native side fails every time (as a GPU out of memory does on a node that stays short of it). */
    @TestConfiguration(proxyBeanMethods = false)
    static class FailingEngine {

        static final AtomicInteger ATTEMPTS = new AtomicInteger();

        @Bean
        @Primary
        StyleTransferEngine failingEngine(PerceptionModel model, TransferProperties properties, MeterRegistry meters) {
            return new StyleTransferEngine(model, properties, meters) {
                @Override
                public TransferResult run(TransferRequest request, TransferListener listener, BooleanSupplier cancelled,
                        TransferCheckpoint checkpoint) {
                    ATTEMPTS.incrementAndGet();
                    throw new EngineException("CUDA out of memory");
                }
            };
        }
    }

    @LocalServerPort
    int port;

    @Autowired
    StorageProvider jobrunr;

    private ApiClient api;

    @BeforeEach
    void client() {
        api = new ApiClient(port);
    }

    @Test
    void aJobWhoseEveryAttemptFailsEndsFailedWhenItsRetriesAreSpent() throws Exception {
        int before = FailingEngine.ATTEMPTS.get();
        String id = submit();

        JsonNode done = await(id, before);

        // between attempts the job waited in the queue, and said so
        assertThat(queuedBetweenAttempts).as("seen queued after a failed attempt, before the last").isTrue();
        assertThat(done.get("error").get("type").asString()).isEqualTo("internal");
        assertThat(done.get("error").get("detail").asString()).isEqualTo("the job failed on each of its 4 attempts; the cause has been logged");
        assertThat(done.get("finishedAt").isNull()).isFalse();
        // one attempt and JobRunr's three retries (@Job(retries = 3)), then no more: JobRunr's job is failed for good too
        Job queued = jobrunr.getJobById(UUID.fromString(id));
        assertThat(queued.getState()).isEqualTo(StateName.FAILED);
        assertThat(queued.getJobStatesOfType(FailedState.class).map(FailedState::getExceptionType))
                .containsExactly(EngineException.class.getName(), EngineException.class.getName(), EngineException.class.getName(),
                        EngineException.class.getName());
        assertThat(FailingEngine.ATTEMPTS.get()).isGreaterThanOrEqualTo(4);
    }

    @Test
    void aJobWhoseQueueEntryVanishedIsFailedByTheSweep() throws Exception {
        String id = submit();
        jobrunr.deletePermanently(UUID.fromString(id));

        JsonNode done = await(id, FailingEngine.ATTEMPTS.get());

        assertThat(done.get("error").get("type").asString()).isEqualTo("worker-lost");
        assertThat(done.get("error").get("detail").asString()).contains("will not run again");
    }

    private String submit() {
        HttpResponse<byte[]> created = api.post(JOBS, new ApiClient.Multipart()
                .png("content", ApiClient.Images.png(ApiClient.Images.pattern(48, 32, 1)))
                .png("style", ApiClient.Images.png(ApiClient.Images.pattern(40, 40, 2)))
                .json("options", "{\"size\": 48, \"iterations\": 4, \"optimizer\": \"adam\"}"));
        assertThat(created.statusCode()).as(ApiClient.text(created)).isEqualTo(202);
        return json(created).get("id").asString();
    }

    /** Whether {@link #await} saw the job {@code queued} after its first attempt and before its fourth. */
    private boolean queuedBetweenAttempts;

    private JsonNode await(String id, int attemptsBefore) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        JsonNode job = null;
        while (System.nanoTime() < deadline) {
            int attempts = FailingEngine.ATTEMPTS.get() - attemptsBefore;
            job = json(api.get(JOBS + "/" + id));
            if (job.get("status").asString().equals("failed")) {
                return job;
            }
            queuedBetweenAttempts |= job.get("status").asString().equals("queued") && attempts >= 1 && attempts < 4
                    && FailingEngine.ATTEMPTS.get() - attemptsBefore == attempts;
            Thread.sleep(250);
        }
        throw new AssertionError("job " + id + " is still " + job + " after " + WAIT);
    }
}
