package dev.pastiche.transfer;

import dev.pastiche.perception.Losses;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.pastiche.image.RgbImage;
import dev.pastiche.perception.PerceptionModel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Agreement with PyTorch (scripts/reference/make_fixtures.py): the same 64² content and style,
 * formula weights and content init, run with torch.optim.Adam and torch.optim.LBFGS.
 */
class TransferReferenceTests {

    @TempDir
    static Path dir;

    private static PerceptionModel model;
    private static StyleTransferEngine engine;
    private static JsonNode expected;
    private static RgbImage content;
    private static RgbImage style;

    @BeforeAll
    static void load() throws IOException {
        model = TransferFixtures.formulaModel(dir);
        engine = TransferFixtures.engine(model);
        try (InputStream in = TransferReferenceTests.class.getResourceAsStream("/reference/transfer.json")) {
            expected = JsonMapper.shared().readTree(in);
        }
        content = TransferFixtures.resource("transfer-content.png");
        style = TransferFixtures.resource("transfer-style.png");
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static OptionsBuilder options(JsonNode run) {
        JsonNode weights = run.get("weights");
        return OptionsBuilder.options().with("size", 64).with("init", InitMode.CONTENT).with("seed", 1)
                .with("contentWeight", weights.get(0).asDouble()).with("styleWeight", weights.get(1).asDouble()).with("tvWeight", weights.get(2).asDouble());
    }

    @Test
    void adamAgreesWithTorchOptimAdamWithinOneThousandth() {
        JsonNode adam = expected.get("adam");
        Map<Integer, Losses> trajectory = new HashMap<>();
        TransferListener recorder = new TransferListener() {
            @Override
            public void progress(TransferProgress progress) {
                trajectory.put(progress.iteration(), progress.losses());
            }
        };
        TransferOptions options = options(adam).with("optimizer", OptimizerType.ADAM).with("learningRate", adam.get("learningRate").asDouble())
                .with("iterations", adam.get("steps").asInt()).build();
        TransferResult result = engine.run(TransferFixtures.request(engine, content, List.of(style), options), recorder, () -> false);

        assertThat(result.evaluations()).isEqualTo(50);
        for (Map.Entry<String, JsonNode> step : adam.get("lossesAtStep").properties()) {
            TransferFixtures.assertLosses("step " + step.getKey(), trajectory.get(Integer.parseInt(step.getKey())), step.getValue(), options.contentWeight(), 1e-3);
        }
        TransferFixtures.assertLosses("final", result.losses(), adam.get("final"), options.contentWeight(), 1e-3);
    }

    @Test
    void lbfgsReachesTorchOptimLbfgsLossWithinFivePercent() {
        JsonNode lbfgs = expected.get("lbfgs");
        TransferOptions options = options(lbfgs).with("optimizer", OptimizerType.LBFGS).with("iterations", lbfgs.get("evaluations").asInt()).build();
        TransferResult result = engine.run(TransferFixtures.request(engine, content, List.of(style), options), TransferListener.NONE, () -> false);

        assertThat(result.evaluations()).isBetween(30, 30 + 25);
        double want = lbfgs.get("final").get("total").asDouble();
        assertThat(result.losses().total()).isCloseTo(want, within(0.05 * want));
        assertThat(result.losses().total()).isLessThan(lbfgs.get("initial").get("total").asDouble() / 2);
    }

}
