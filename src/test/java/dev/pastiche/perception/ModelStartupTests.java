package dev.pastiche.perception;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pastiche.PasticheApplication;
import dev.pastiche.vgg.weights.WeightsException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Start-up refuses unusable model settings, and says which setting to fix. */
class ModelStartupTests {

    @TempDir
    Path dir;

    @Test
    void aBrokenWeightsFileStopsStartUpNamingTheProblem() throws Exception {
        Path broken = Files.write(dir.resolve("vgg19.safetensors"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        assertThatThrownBy(() -> start("--pastiche.weights.path=" + broken))
                .satisfies(e -> {
                    FailureAnalysis analysis = new ModelFailureAnalyzer().analyze(e);
                    assertThat(analysis).isNotNull();
                    assertThat(analysis.getDescription()).contains(broken.toString()).contains("not a safetensors file");
                    assertThat(analysis.getAction()).contains("pastiche.weights.path");
                });
    }

    @Test
    void fileSourceWithoutAPathStopsStartUp() {
        assertThatThrownBy(() -> start("--pastiche.weights.source=file"))
                .hasRootCauseInstanceOf(WeightsException.class).rootCause().hasMessageContaining("needs pastiche.weights.path");
    }

    @Test
    void anUnknownStyleLayerStopsStartUp() {
        assertThatThrownBy(() -> start("--pastiche.weights.source=random", "--pastiche.model.style-layers=block1_conv1,block9_conv9"))
                .satisfies(e -> assertThat(new ModelFailureAnalyzer().analyze(e).getDescription()).contains("block9_conv9"));
    }

    private static void start(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "--server.port=0";
        System.arraycopy(args, 0, all, 1, args.length);
        SpringApplication.run(PasticheApplication.class, all).close();
    }
}
