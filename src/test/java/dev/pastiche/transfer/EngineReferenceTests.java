package dev.pastiche.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.pastiche.image.Mask;
import dev.pastiche.image.RgbImage;
import dev.pastiche.perception.Losses;
import dev.pastiche.perception.PerceptionModel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The engine's options against PyTorch (scripts/reference/make_engine_fixtures.py): VGG19 with
 * seeded He-uniform weights, whose deep layers carry a real share of the style loss, 64² images,
 * content init. Adam runs with average pooling, the averaged image, per-layer style weights and
 * two styles under overlapping masks whose edges fall between the layers' pixels,
 * each compared step by step with torch.optim.Adam;
 * L-BFGS is compared, at equal evaluations, with torch.optim.LBFGS run unclamped and clamped at
 * the end, and with the service's former projection that re-evaluated every step.
 */
class EngineReferenceTests {

    @TempDir
    static Path dir;

    private static PerceptionModel model;
    private static StyleTransferEngine engine;
    private static JsonNode expected;
    private static RgbImage content;

    @BeforeAll
    static void load() throws IOException {
        try (InputStream in = EngineReferenceTests.class.getResourceAsStream("/reference/engine.json")) {
            expected = JsonMapper.shared().readTree(in);
        }
        model = TransferFixtures.seededModel(dir, expected.get("weights").get("seed").asLong());
        engine = TransferFixtures.engine(model);
        content = TransferFixtures.resource("transfer-content.png");
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static List<Double> doubles(JsonNode array) {
        List<Double> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asDouble()));
        return values;
    }

    private static List<RgbImage> styles(JsonNode names) {
        List<RgbImage> styles = new ArrayList<>();
        names.forEach(n -> styles.add(TransferFixtures.resource(n.asString())));
        return styles;
    }

    private static OptionsBuilder options(JsonNode run) {
        List<Double> weights = doubles(run.get("weights"));
        return OptionsBuilder.options().with("size", 64).with("init", "content").with("seed", 1).with("contentWeight", weights.get(0))
                .with("styleWeight", weights.get(1)).with("tvWeight", weights.size() > 2 ? weights.get(2) : 0.0);
    }

    /**
     * Each recorded step within a thousandth, or three times what a 1e-6 change of the start moves
     * it by in PyTorch alone (the fixture's {@code stability}): Adam's sign-like steps flip ReLU and
     * max-pool units, so trajectories that differ by a hair drift apart by up to 5e-3 by step 50
     * (1e-2 with W2).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"adam-max", "adam-avg", "adam-w2", "adam-ema", "adam-layer-weights", "adam-masked"})
    void adamAgreesWithTorchOptimAdamStepByStep(String name) {
        JsonNode run = expected.get("cases").get(name);
        List<RgbImage> styles = styles(run.get("styles"));
        OptionsBuilder builder = options(run).with("optimizer", "adam").with("learningRate", run.get("learningRate").asDouble())
                .with("iterations", run.get("steps").asInt()).with("styleWeights", doubles(run.get("styleWeights")))
                .with("styleLayerWeights", doubles(run.get("styleLayerWeights"))).with("pooling", run.get("pooling").asString())
                .with("styleLoss", run.get("styleLoss").asString()).with("averageDecay", run.get("averageDecay").asDouble());
        Map<Integer, Losses> trajectory = new HashMap<>();
        TransferListener recorder = new TransferListener() {
            @Override
            public void progress(TransferProgress progress) {
                trajectory.put(progress.iteration(), progress.losses());
            }
        };

        List<Mask> masks = new ArrayList<>();
        if (run.has("masks")) {
            run.get("masks").forEach(m -> masks.add(TransferFixtures.mask(m.asString())));
        }

        TransferResult result = engine.run(TransferFixtures.request(engine, content, styles, masks, builder.build()), recorder, () -> false);

        assertThat(result.evaluations()).isEqualTo(run.get("steps").asInt());
        double contentWeight = run.get("weights").get(0).asDouble();
        JsonNode stability = run.get("stability").get("maxRelativeChange");
        for (Map.Entry<String, JsonNode> step : run.get("lossesAtStep").properties()) {
            TransferFixtures.assertLosses(name + " step " + step.getKey(), trajectory.get(Integer.parseInt(step.getKey())), step.getValue(), contentWeight,
                    tolerance(stability.get(step.getKey())));
        }
        TransferFixtures.assertLosses(name + " delivered", result.losses(), run.get("delivered"), contentWeight, tolerance(stability.get("delivered")));
    }

    private static double tolerance(JsonNode stability) {
        return Math.max(1e-3, 3 * stability.asDouble());
    }


    @Test
    void lbfgsDeliversNoWorseThanTorchUnclampedOrTheFormerProjectionAtEqualEvaluations() {
        JsonNode lbfgs = expected.get("lbfgs");
        int budget = LbfgsCurve.budget(lbfgs);

        List<LbfgsCurve.Iterate> iterates = LbfgsCurve.run(engine, lbfgs);

        assertThat(iterates.get(iterates.size() - 1).evaluations()).isLessThanOrEqualTo(budget * 5 / 4);
        for (String method : List.of("torchUnclamped", "projectedReevaluating")) {
            for (JsonNode point : lbfgs.get(method)) {
                int evaluations = point.get("evaluations").asInt();
                double theirs = point.get("total").asDouble();
                double ours = LbfgsCurve.lossWithin(iterates, evaluations);
                assertThat(ours).as("%s at %d evaluations: ours %.6g, theirs %.6g", method, evaluations, ours, theirs)
                        .isLessThanOrEqualTo(theirs * 1.001);
            }
        }
    }
}
