package dev.pastiche.transfer;

import dev.pastiche.image.RgbImage;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * The engine's L-BFGS on an L-BFGS fixture of make_engine_fixtures.py (its content, style and loss
 * weights, on the fixture's seeded VGG19 weights): the loss of every iterate against the
 * evaluations spent to reach it, to set beside torch's curves.
 */
final class LbfgsCurve {

    /** One iterate: evaluations spent to reach it and its total loss (it lies in [0, 1]: it is what would be delivered). */
    record Iterate(int evaluations, double total) {
    }

    private LbfgsCurve() {
    }

    /** The largest evaluation count of torch's unclamped runs: the budget both sides are compared within. */
    static int budget(JsonNode fixture) {
        int budget = 0;
        for (JsonNode point : fixture.get("torchUnclamped")) {
            budget = Math.max(budget, point.get("evaluations").asInt());
        }
        return budget;
    }

    /** Runs {@code budget(fixture)} L-BFGS iterations from the content; every iterate, in order. */
    static List<Iterate> run(StyleTransferEngine engine, JsonNode fixture) {
        RgbImage content = TransferFixtures.resource(fixture.get("content").asString());
        List<RgbImage> styles = new ArrayList<>();
        fixture.get("styles").forEach(name -> styles.add(TransferFixtures.resource(name.asString())));
        JsonNode weights = fixture.get("weights");
        TransferOptions options = OptionsBuilder.options().with("size", fixture.get("size").asInt()).with("init", "content").with("seed", 1)
                .with("contentWeight", weights.get(0).asDouble()).with("styleWeight", weights.get(1).asDouble())
                .with("tvWeight", weights.get(2).asDouble()).with("optimizer", "lbfgs").with("iterations", budget(fixture)).build();
        List<Iterate> iterates = new ArrayList<>();
        TransferListener recorder = new TransferListener() {
            @Override
            public void progress(TransferProgress progress) {
                iterates.add(new Iterate(progress.evaluations(), progress.losses().total()));
            }
        };
        engine.run(TransferFixtures.request(engine, content, styles, options), recorder, () -> false);
        return iterates;
    }

    /** The loss of the last iterate reached within {@code evaluations}: what a run stopped there delivers. */
    static double lossWithin(List<Iterate> iterates, int evaluations) {
        double loss = Double.POSITIVE_INFINITY;
        for (Iterate iterate : iterates) {
            if (iterate.evaluations() <= evaluations) {
                loss = iterate.total();
            }
        }
        return loss;
    }
}
