package dev.pastiche.transfer;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.pastiche.image.RgbImage;
import dev.pastiche.perception.FeatureExtractor;
import dev.pastiche.perception.ImageTensors;
import dev.pastiche.perception.PerceptualMath;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * API.md's style-transfer loss for one stage: {@code contentWeight·content + styleWeight·style +
 * tvWeight·tv} over the [0, 1] image (normalisation happens inside the extractor). The content
 * taps and the blended style Gram matrices are computed once, when the stage starts.
 */
final class Objective implements AutoCloseable {

    private final FeatureExtractor extractor;
    private final NDManager targets;
    private final ResolvedOptions options;
    private final Set<String> taps = new LinkedHashSet<>();
    private final NDArray contentTarget;
    private final Map<String, NDArray> styleTargets;

    private Objective(FeatureExtractor extractor, NDManager targets, ResolvedOptions options, NDArray contentTarget,
            Map<String, NDArray> styleTargets) {
        this.extractor = extractor;
        this.targets = targets;
        this.options = options;
        this.contentTarget = contentTarget;
        this.styleTargets = styleTargets;
        taps.add(options.contentLayer());
        taps.addAll(options.styleLayers());
    }

    /** Computes the targets; with several styles each layer's target is their weighted mean Gram matrix (API.md). */
    static Objective create(FeatureExtractor extractor, NDManager parent, RgbImage content, List<RgbImage> styles,
            ResolvedOptions options) {
        NDManager targets = parent.newSubManager();
        try (NDManager scratch = targets.newSubManager()) {
            NDArray contentTap = extractor.taps(ImageTensors.batch(scratch, content), List.of(options.contentLayer()))
                    .get(options.contentLayer()).get(0);
            contentTap.attach(targets);
            Map<String, NDArray> grams = new LinkedHashMap<>();
            for (int i = 0; i < styles.size(); i++) {
                Map<String, NDArray> styleTaps = extractor.taps(ImageTensors.batch(scratch, styles.get(i)), options.styleLayers());
                for (String layer : options.styleLayers()) {
                    NDArray weighted = PerceptualMath.gram(styleTaps.get(layer).get(0)).mul(options.styleWeights().get(i).floatValue());
                    grams.merge(layer, weighted, NDArray::add);
                }
            }
            grams.values().forEach(g -> g.attach(targets));
            return new Objective(extractor, targets, options, contentTap, grams);
        } catch (RuntimeException e) {
            targets.close();
            throw e;
        }
    }

    /** Loss terms and the gradient at {@code x}; every array made, the gradient included, belongs to {@code scope}. */
    Evaluation evaluate(NDArray x, NDManager scope) {
        NDArray leaf = x.duplicate();
        leaf.attach(scope);
        Losses losses;
        // PyTorch allows one collector per process: the engine runs one optimisation at a time
        try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
            leaf.setRequiresGradient(true);
            Terms terms = terms(leaf);
            collector.backward(terms.total());
            losses = terms.losses();
        }
        return new Evaluation(leaf.getGradient(), losses);
    }

    /** Loss terms at {@code x}, forward only. */
    Losses losses(NDArray x, NDManager scope) {
        NDArray copy = x.duplicate();
        copy.attach(scope);
        return terms(copy).losses();
    }

    private record Terms(NDArray total, NDArray content, NDArray style, NDArray tv) {
        Losses losses() {
            return new Losses(total.getFloat(), content.getFloat(), style.getFloat(), tv.getFloat());
        }
    }

    private Terms terms(NDArray x) {
        Map<String, NDArray> features = extractor.taps(x, taps);
        NDArray content = PerceptualMath.meanSquaredError(features.get(options.contentLayer()).get(0), contentTarget);
        NDArray style = null;
        for (String layer : options.styleLayers()) {
            NDArray term = PerceptualMath.meanSquaredError(PerceptualMath.gram(features.get(layer).get(0)), styleTargets.get(layer));
            style = style == null ? term : style.add(term);
        }
        NDArray tv = totalVariation(x);
        // float scalars: a double would promote the graph to float64
        NDArray total = content.mul((float) options.contentWeight()).add(style.mul((float) options.styleWeight()))
                .add(tv.mul((float) options.tvWeight()));
        return new Terms(total, content, style, tv);
    }

    /** Mean squared vertical plus mean squared horizontal neighbour differences (API.md). */
    static NDArray totalVariation(NDArray x) {
        NDArray vertical = x.get(":, :, 1:, :").sub(x.get(":, :, :-1, :")).square().mean();
        NDArray horizontal = x.get(":, :, :, 1:").sub(x.get(":, :, :, :-1")).square().mean();
        return vertical.add(horizontal);
    }

    @Override
    public void close() {
        targets.close();
    }
}
