package dev.pastiche.perception;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.pastiche.image.RgbImage;
import dev.pastiche.vgg.LayerKind;
import dev.pastiche.vgg.VggVariant;
import dev.pastiche.vgg.VggVariant.FeatureLayer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * API.md's style-transfer loss at one image size: {@code contentWeight·content + styleWeight·style
 * + tvWeight·tv} over the [0, 1] image (normalisation happens inside the extractor), with Gram
 * (Gatys et al. 2016) or Wasserstein-2 (crowsonkb's style-transfer-pytorch) style terms. The
 * targets are computed once, when the objective is made, one style image at a time so that only
 * their statistics stay alive.
 */
public final class StyleObjective implements AutoCloseable {

    /**
     * Newton–Schulz iterations for the W2 matrix square roots: on the reference fixture's taps 15
     * iterations give each layer's term within a few per cent of an exact eigendecomposition
     * (scripts/reference/make_engine_fixtures.py), at 3 matmuls of C×C each.
     */
    static final int NEWTON_SCHULZ_ITERATIONS = 15;
    /** Added to every covariance's diagonal so that its square root stays well defined (crowsonkb's 1e-4). */
    static final float COVARIANCE_EPSILON = 1e-4f;

    private final FeatureExtractor extractor;
    private final NDManager targets;
    private final ObjectiveLayers layers;
    private final LossWeights weights;
    private final Set<String> taps = new LinkedHashSet<>();
    private final NDArray contentTarget;
    private final List<StyleTarget> styleTargets;

    /** One style layer's target: its Gram matrix, or for W2 the mean, covariance and the covariance's square root. */
    record StyleTarget(NDArray gram, NDArray mean, NDArray covariance, NDArray covarianceRoot) {
    }

    private StyleObjective(FeatureExtractor extractor, NDManager targets, ObjectiveLayers layers, LossWeights weights,
            NDArray contentTarget, List<StyleTarget> styleTargets) {
        this.extractor = extractor;
        this.targets = targets;
        this.layers = layers;
        this.weights = weights;
        this.contentTarget = contentTarget;
        this.styleTargets = styleTargets;
        taps.add(layers.contentLayer());
        taps.addAll(layers.styleLayers());
    }

    /**
     * Computes the targets. With several styles each layer's target blends theirs by
     * {@code styleWeights}: the Gram matrices for {@code gram}; for {@code w2} the Gaussian of the
     * blended means and second moments (which, unlike covariances, mix linearly), whose covariance
     * is {@code Σ_s w_s (Σ_s + (μ_s − μ)(μ_s − μ)ᵀ)}: each term positive semi-definite as computed,
     * where the raw-moment difference {@code srm − μμᵀ} loses its small eigenvalues to rounding and
     * can turn negative, on which Newton–Schulz diverges.
     */
    public static StyleObjective create(FeatureExtractor extractor, NDManager parent, RgbImage content, List<RgbImage> styles,
            ObjectiveLayers layers, LossWeights weights) {
        NDManager targets = parent.newSubManager();
        try {
            NDArray contentTarget;
            try (NDManager scratch = targets.newSubManager()) {
                contentTarget = extractor.taps(ImageTensors.batch(scratch, content), List.of(layers.contentLayer()), layers.pooling())
                        .get(layers.contentLayer()).get(0);
                contentTarget.attach(targets);
            }
            int count = layers.styleLayers().size();
            NDArray[] grams = new NDArray[count];
            List<List<NDArray>> means = new ArrayList<>();
            List<List<NDArray>> covariances = new ArrayList<>();
            for (int l = 0; l < count; l++) {
                means.add(new ArrayList<>());
                covariances.add(new ArrayList<>());
            }
            for (int s = 0; s < styles.size(); s++) {
                float w = weights.styleWeights().get(s).floatValue();
                // one style at a time: its taps die before the next style's forward pass
                try (NDManager scratch = targets.newSubManager()) {
                    var styleTaps = extractor.taps(ImageTensors.batch(scratch, styles.get(s)), layers.styleLayers(), layers.pooling());
                    for (int l = 0; l < count; l++) {
                        NDArray tap = styleTaps.get(layers.styleLayers().get(l)).get(0);
                        if (layers.styleLoss() == StyleLoss.GRAM) {
                            grams[l] = accumulate(grams[l], PerceptualMath.gram(tap).mul(w), targets);
                        } else {
                            means.get(l).add(keep(channelMean(tap), targets));
                            covariances.get(l).add(keep(centredCovariance(tap), targets));
                        }
                    }
                }
            }
            List<StyleTarget> styleTargets = new ArrayList<>();
            for (int l = 0; l < count; l++) {
                if (layers.styleLoss() == StyleLoss.GRAM) {
                    styleTargets.add(new StyleTarget(grams[l], null, null, null));
                    continue;
                }
                styleTargets.add(wassersteinTarget(means.get(l), covariances.get(l), weights.styleWeights(), targets));
            }
            return new StyleObjective(extractor, targets, layers, weights, contentTarget, styleTargets);
        } catch (RuntimeException e) {
            targets.close();
            throw e;
        }
    }

    /** One layer's W2 target from each style's channel means and centred covariances (see {@link #create}). */
    static StyleTarget wassersteinTarget(List<NDArray> means, List<NDArray> covariances, List<Double> styleWeights, NDManager targets) {
        try (NDManager scratch = targets.newSubManager()) {
            // the intermediates (15 Newton–Schulz steps of C×C matrices) die with the scratch scope
            means.forEach(m -> m.tempAttach(scratch));
            covariances.forEach(c -> c.tempAttach(scratch));
            NDArray mean = null;
            for (int s = 0; s < means.size(); s++) {
                NDArray term = means.get(s).mul(styleWeights.get(s).floatValue());
                mean = mean == null ? term : mean.add(term);
            }
            long c = mean.getShape().get(0);
            NDArray covariance = scratch.eye((int) c).mul(COVARIANCE_EPSILON);
            for (int s = 0; s < means.size(); s++) {
                NDArray offset = means.get(s).sub(mean).reshape(c, 1);
                NDArray term = covariances.get(s).add(offset.matMul(offset.transpose()));
                covariance = covariance.add(term.mul(styleWeights.get(s).floatValue()));
            }
            NDArray root = sqrtm(covariance);
            return new StyleTarget(null, keep(mean, targets), keep(covariance, targets), keep(root, targets));
        }
    }

    private static NDArray keep(NDArray array, NDManager owner) {
        array.attach(owner);
        return array;
    }

    private static NDArray accumulate(NDArray sum, NDArray term, NDManager owner) {
        if (sum == null) {
            term.attach(owner);
            return term;
        }
        NDArray next = sum.add(term);
        next.attach(owner);
        sum.close();
        return next;
    }

    /** Loss terms and the gradient at {@code x}; every array made, the gradient included, belongs to {@code scope}. */
    public Evaluation evaluate(NDArray x, NDManager scope) {
        NDArray leaf = x.duplicate();
        leaf.attach(scope);
        NDArray[] terms;
        // PyTorch allows one collector per process: style transfer runs one optimisation at a time
        try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
            leaf.setRequiresGradient(true);
            terms = terms(leaf);
            collector.backward(terms[0]);
        }
        // stacked outside the collector, so the terms are not recorded again
        return new Evaluation(leaf.getGradient(), new LossTerms(NDArrays.stack(new NDList(terms))));
    }

    /** Loss terms at {@code x}, forward only, in {@code scope}. */
    public LossTerms losses(NDArray x, NDManager scope) {
        NDArray copy = x.duplicate();
        copy.attach(scope);
        return new LossTerms(NDArrays.stack(new NDList(terms(copy))));
    }

    /** Loss terms of an image, forward only: what a delivered image scores. */
    public Losses losses(RgbImage image, NDManager parent) {
        try (NDManager scope = parent.newSubManager()) {
            return losses(ImageTensors.batch(scope, image), scope).read();
        }
    }

    /** Total, content, style and tv, as scalars in the graph. */
    private NDArray[] terms(NDArray x) {
        var features = extractor.taps(x, taps, layers.pooling());
        NDArray content = PerceptualMath.meanSquaredError(features.get(layers.contentLayer()).get(0), contentTarget);
        NDArray style = null;
        for (int l = 0; l < layers.styleLayers().size(); l++) {
            NDArray tap = features.get(layers.styleLayers().get(l)).get(0);
            StyleTarget target = styleTargets.get(l);
            NDArray term = layers.styleLoss() == StyleLoss.GRAM
                    ? PerceptualMath.meanSquaredError(PerceptualMath.gram(tap), target.gram())
                    : wasserstein(tap, target);
            // float scalars: a double would promote the graph to float64
            term = term.mul(weights.styleLayerWeights().get(l).floatValue());
            style = style == null ? term : style.add(term);
        }
        NDArray tv = totalVariation(x);
        NDArray total = content.mul((float) weights.contentWeight()).add(style.mul((float) weights.styleWeight()))
                .add(tv.mul((float) weights.tvWeight()));
        return new NDArray[] {total, content, style, tv};
    }

    /**
     * API.md's {@code w2} term: {@code (‖μ − μt‖² + tr(Σ + Σt − 2(Σt^½ Σ Σt^½)^½)) / C}. The square
     * root's trace equals that of {@code (Σ^½ Σt Σ^½)^½} (same eigenvalues), so the target's root,
     * computed once, is the outer factor and each evaluation takes one root.
     */
    static NDArray wasserstein(NDArray tap, StyleTarget target) {
        long c = tap.getShape().get(0);
        NDArray mean = channelMean(tap);
        NDArray covariance = centredCovariance(tap).add(tap.getManager().eye((int) c).mul(COVARIANCE_EPSILON));
        NDArray root = target.covarianceRoot();
        NDArray cross = sqrtm(root.matMul(covariance).matMul(root));
        NDArray meanTerm = mean.sub(target.mean()).square().sum();
        NDArray traceTerm = trace(covariance).add(trace(target.covariance())).sub(trace(cross).mul(2f));
        return meanTerm.add(traceTerm).div((float) c);
    }

    /** The channel means of a (C, H, W) tap; over one flattened axis, as DJL's PyTorch engine reduces a mean over one axis only. */
    static NDArray channelMean(NDArray tap) {
        return tap.reshape(tap.getShape().get(0), -1).mean(new int[] {1});
    }

    /**
     * The channels' covariance over positions, {@code (F − μ)(F − μ)ᵀ / (H·W)}: from the centred
     * taps, so that it stays positive semi-definite in float32 (see {@link #create}).
     */
    static NDArray centredCovariance(NDArray tap) {
        long c = tap.getShape().get(0);
        long hw = tap.getShape().get(1) * tap.getShape().get(2);
        NDArray f = tap.reshape(c, hw);
        NDArray centred = f.sub(f.mean(new int[] {1}, true));
        return centred.matMul(centred.transpose()).div((float) hw);
    }

    private static NDArray trace(NDArray matrix) {
        long c = matrix.getShape().get(0);
        return matrix.mul(matrix.getManager().eye((int) c)).sum();
    }

    /**
     * The square root of a symmetric positive definite matrix by coupled Newton–Schulz iterations
     * (Higham, "Functions of Matrices", 2008, §6.3): matmuls only, so it runs on any device and
     * autograd differentiates it. Scaled by the Frobenius norm first, which puts every eigenvalue in
     * (0, 1], where the iteration converges.
     */
    static NDArray sqrtm(NDArray a) {
        long c = a.getShape().get(0);
        NDArray norm = a.square().sum().sqrt();
        NDArray identity = a.getManager().eye((int) c);
        NDArray y = a.div(norm);
        NDArray z = identity;
        NDArray threeIdentity = identity.mul(3f);
        for (int i = 0; i < NEWTON_SCHULZ_ITERATIONS; i++) {
            NDArray t = threeIdentity.sub(z.matMul(y)).mul(0.5f);
            y = y.matMul(t);
            z = t.matMul(z);
        }
        return y.mul(norm.sqrt());
    }

    /** Mean squared vertical plus mean squared horizontal neighbour differences (API.md). */
    static NDArray totalVariation(NDArray x) {
        NDArray vertical = x.get(":, :, 1:, :").sub(x.get(":, :, :-1, :")).square().mean();
        NDArray horizontal = x.get(":, :, :, 1:").sub(x.get(":, :, :, :-1")).square().mean();
        return vertical.add(horizontal);
    }

    /** The smallest height and width that leave every tap of {@code layers} at least one pixel. */
    public static int smallestSide(PerceptionModel model, ObjectiveLayers layers) {
        VggVariant variant = model.variant();
        int need = variant.minInputSide(layers.contentLayer());
        for (String layer : layers.styleLayers()) {
            need = Math.max(need, variant.minInputSide(layer));
        }
        return need;
    }

    /**
     * Bytes of every layer output of one forward pass up to the deepest tap, at width × height:
     * what autograd keeps for the backward pass (VGG's shapes: each 2×2 pool floors the size by half).
     */
    public static long activationBytes(PerceptionModel model, ObjectiveLayers layers, int width, int height) {
        VggVariant variant = model.variant();
        int deepest = variant.tapIndex(layers.contentLayer());
        for (String layer : layers.styleLayers()) {
            deepest = Math.max(deepest, variant.tapIndex(layer));
        }
        long elements = 0;
        long h = height;
        long w = width;
        for (FeatureLayer layer : variant.featureLayers().subList(0, deepest + 1)) {
            if (layer.kind() == LayerKind.MAXPOOL) {
                h /= 2;
                w /= 2;
            }
            elements += layer.outChannels() * h * w;
        }
        return 4 * elements;
    }

    /** Channels of each style layer: the size of its Gram matrix or covariance. */
    public static List<Integer> styleChannels(PerceptionModel model, ObjectiveLayers layers) {
        VggVariant variant = model.variant();
        return layers.styleLayers().stream().map(l -> variant.featureLayers().get(variant.tapIndex(l)).outChannels()).toList();
    }

    @Override
    public void close() {
        targets.close();
    }
}
