package dev.pastiche.transfer;

import dev.pastiche.perception.PerceptionModel;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The benchmark's L-BFGS table, in a fresh JVM: {@code RESOURCE [KEY]} names a fixture of
 * make_engine_fixtures.py ({@code engine.json lbfgs} at 64², {@code lbfgs-256.json} at 256²). Prints
 * one JSON line: for each of torch's budgets, the evaluations torch spent and the delivered total
 * loss of torch's unclamped run (clamped at the end), of the former projection that re-evaluated
 * every step, and of this engine's L-BFGS stopped within the same evaluations.
 */
public final class LbfgsCurveMain {

    private LbfgsCurveMain() {
    }

    public static void main(String[] args) throws Exception {
        JsonNode root;
        try (InputStream in = LbfgsCurveMain.class.getResourceAsStream("/reference/" + args[0])) {
            root = JsonMapper.shared().readTree(in);
        }
        JsonNode fixture = args.length > 1 ? root.get(args[1]) : root;
        long seed = root.has("weightsSeed") ? root.get("weightsSeed").asLong() : root.get("weights").get("seed").asLong();
        Path dir = Files.createTempDirectory("pastiche-lbfgs");
        List<LbfgsCurve.Iterate> iterates;
        try (PerceptionModel model = TransferFixtures.seededModel(dir, seed)) {
            iterates = LbfgsCurve.run(TransferFixtures.engine(model), fixture);
        }
        StringBuilder rows = new StringBuilder();
        for (JsonNode point : fixture.get("torchUnclamped")) {
            int evaluations = point.get("evaluations").asInt();
            double projected = lossWithin(fixture.get("projectedReevaluating"), evaluations);
            rows.append(rows.isEmpty() ? "" : ",").append(String.format(Locale.ROOT,
                    "{\"evaluations\": %d, \"torchUnclamped\": %.6g, \"projectedReevaluating\": %.6g, \"pastiche\": %.6g}",
                    evaluations, point.get("total").asDouble(), projected, LbfgsCurve.lossWithin(iterates, evaluations)));
        }
        System.out.println(String.format(Locale.ROOT, "{\"size\": %d, \"rows\": [%s]}", fixture.get("size").asInt(), rows));
    }

    /** The former projection's loss within {@code evaluations}: its last iterate reached by then. */
    private static double lossWithin(JsonNode points, int evaluations) {
        double loss = Double.POSITIVE_INFINITY;
        for (JsonNode point : points) {
            if (point.get("evaluations").asInt() <= evaluations) {
                loss = point.get("total").asDouble();
            }
        }
        return loss;
    }
}
