package dev.pastiche.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.pastiche.client.ApiException;
import dev.pastiche.client.api.ScoringApi;
import dev.pastiche.client.api.StyleTransfersApi;
import dev.pastiche.client.model.DistanceResponse;
import dev.pastiche.client.model.JobView;
import dev.pastiche.client.model.Problem;
import dev.pastiche.client.model.StyleTransferOptions;
import dev.pastiche.web.ApiClient.Images;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The Java client that openapi-generator makes from the committed docs/openapi.json (java,
 * native; generated into target/generated-test-sources at build time) against the running
 * service, over real HTTP and with no request written by hand: if the document lies about a
 * status, a part or a schema, this client fails here before a user's does. The context is
 * BatchTests' (random weights, the job worker on), so it costs no start of its own.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "pastiche.weights.source=random")
class OpenApiClientTests {

    /** JobRunr polls every 5 s: a tiny job is done well within this. */
    private static final Duration WAIT = Duration.ofSeconds(90);

    @LocalServerPort
    int port;
    @TempDir
    Path dir;

    private dev.pastiche.client.ApiClient client;
    private ScoringApi scoring;
    private StyleTransfersApi jobs;

    @BeforeEach
    void client() {
        client = new dev.pastiche.client.ApiClient();
        client.updateBaseUri("http://localhost:" + port);
        scoring = new ScoringApi(client);
        jobs = new StyleTransfersApi(client);
    }

    @Test
    void aDistanceBetweenAnImageAndItselfIsZero() throws Exception {
        File image = png("a.png", Images.pattern(48, 32, 1));

        DistanceResponse distance = scoring.perceptualDistance(image, image, "content,style,features", false);

        assertThat(distance.getContent()).isZero();
        assertThat(distance.getStyle()).isZero();
        assertThat(distance.getWidth()).isEqualTo(48);
        assertThat(distance.getHeight()).isEqualTo(32);
        assertThat(distance.getModel().getWeights().getPretrained()).isFalse();
    }

    @Test
    void aJobWithOptionsRunsToItsResultIsCancelledAndDeleted() throws Exception {
        File content = png("content.png", Images.pattern(48, 32, 1));
        File style = png("style.png", Images.pattern(40, 40, 2));
        StyleTransferOptions options = new JsonOptions().size(48).iterations(4)
                .optimizer(StyleTransferOptions.OptimizerEnum.ADAM).seed(7L).outputFormat(StyleTransferOptions.OutputFormatEnum.PNG);

        JobView created = jobs.createStyleTransfer(content, List.of(style), null, List.of(), options);
        assertThat(created.getStatus()).isIn(JobView.StatusEnum.QUEUED, JobView.StatusEnum.RUNNING);
        JobView done = await(created.getId(), JobView.StatusEnum.SUCCEEDED);
        assertThat(done.getFinishedAt()).isNotNull();
        BufferedImage result = ImageIO.read(jobs.getStyleTransferResult(created.getId()));
        assertThat(result.getWidth()).isEqualTo(48);
        assertThat(result.getHeight()).isEqualTo(32);
        // the stream of a finished job ends with its final event
        assertThat(Files.readString(jobs.streamStyleTransferEvents(created.getId(), null).toPath())).contains("event:succeeded");

        // a long job, cancelled before it can finish, then deleted
        JobView longJob = jobs.createStyleTransfer(content, List.of(style), null, List.of(),
                new JsonOptions().size(48).iterations(5000).optimizer(StyleTransferOptions.OptimizerEnum.ADAM));
        JobView cancelling = jobs.cancelStyleTransfer(longJob.getId());
        assertThat(cancelling.getId()).isEqualTo(longJob.getId());
        await(longJob.getId(), JobView.StatusEnum.CANCELLED);
        jobs.deleteStyleTransfer(longJob.getId());
        ApiException gone = catchThrowableOfType(ApiException.class, () -> jobs.getStyleTransfer(longJob.getId()));
        assertThat(gone.getCode()).isEqualTo(404);
        assertThat(problem(gone).getType().toString()).isEqualTo("https://pastiche.dev/problems/not-found");
        jobs.deleteStyleTransfer(created.getId());
    }

    @Test
    void aBadInputIsTheClientsTypedErrorWithTheProblemsSlug() throws Exception {
        File content = png("content.png", Images.pattern(48, 32, 1));
        File style = png("style.png", Images.pattern(40, 40, 2));

        ApiException refused = catchThrowableOfType(ApiException.class,
                () -> jobs.createStyleTransfer(content, List.of(style), null, List.of(), new JsonOptions().iterations(0)));

        assertThat(refused.getCode()).isEqualTo(400);
        Problem problem = problem(refused);
        assertThat(problem.getType().toString()).isEqualTo("https://pastiche.dev/problems/validation");
        assertThat(problem.getStatus()).isEqualTo(400);
        assertThat(problem.getInstance()).isEqualTo("/v1/style-transfers");
        assertThat(problem.getErrors()).anySatisfy(error -> assertThat(error.getField()).isEqualTo("iterations"));
    }

    private JobView await(UUID id, JobView.StatusEnum status) throws ApiException, InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        JobView job = jobs.getStyleTransfer(id);
        while (!job.getStatus().equals(status) && System.nanoTime() < deadline) {
            assertThat(job.getStatus()).as("job %s: %s", id, job.getError()).isNotEqualTo(JobView.StatusEnum.FAILED);
            Thread.sleep(200);
            job = jobs.getStyleTransfer(id);
        }
        assertThat(job.getStatus()).as("job %s after %s", id, WAIT).isEqualTo(status);
        return job;
    }

    private Problem problem(ApiException e) throws JsonProcessingException {
        return client.getObjectMapper().readValue(e.getResponseBody(), Problem.class);
    }

    private File png(String name, BufferedImage image) throws IOException {
        return Files.write(dir.resolve(name), Images.png(image)).toFile();
    }

    /**
     * The options part as JSON. openapi-generator's native library writes a model form part with
     * its {@code toString()}, which is not JSON; the document says {@code application/json}
     * (typescript-fetch, for one, sends JSON), so the model's JSON is given as its string.
     */
    static final class JsonOptions extends StyleTransferOptions {
        private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper()
                .setSerializationInclusion(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL);

        @Override
        public String toString() {
            try {
                return JSON.writeValueAsString(this);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
