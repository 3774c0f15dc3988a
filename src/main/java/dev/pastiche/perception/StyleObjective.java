package dev.pastiche.perception;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.pastiche.image.Mask;
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
     * Newton–Schulz iterations for the W2 matrix square roots, at 3 matmuls of C×C each: on the
     * reference fixture's taps 20 give each layer's term within 1e-3 of an exact eigendecomposition
     * (scripts/reference/make_engine_fixtures.py). More are worse, not better: the float32 rounding
     * of a nearly singular input leaves it small negative eigenvalues, which every iteration
     * multiplies by about 1.5 (25 iterations are off by 1e-2 at block4 and block5, 30 give NaN).
     */
    static final int NEWTON_SCHULZ_ITERATIONS = 20;
    /** Added to every covariance's diagonal so that its square root stays well defined (crowsonkb's 1e-4). */
    static final float COVARIANCE_EPSILON = 1e-4f;

    private final FeatureExtractor extractor;
    private final NDManager targets;
    private final ObjectiveLayers layers;
    private final LossWeights weights;
    private final Set<String> taps = new LinkedHashSet<>();
    private final NDArray contentTarget;
    private final List<StyleTarget> styleTargets;
    /** With masks, per style layer and then per style: that style's own Gram and its mask at the layer's size. */
    private final List<List<MaskedTarget>> maskedTargets;

    /** One style layer's target: its Gram matrix, or for W2 the mean, covariance and the covariance's square root. */
    record StyleTarget(NDArray gram, NDArray mean, NDArray covariance, NDArray covarianceRoot) {

        /** Lends the arrays to {@code scope} until it closes. */
        void lend(NDManager scope) {
            for (NDArray array : new NDArray[] {gram, mean, covariance, covarianceRoot}) {
                if (array != null) {
                    array.tempAttach(scope);
                }
            }
        }
    }

    /**
     * One style's target at one layer under a mask (API.md's spatial control): the style's plain
     * Gram, and the mask area-averaged to the layer as (1, H·W) with its Σm².
     */
    record MaskedTarget(NDArray gram, NDArray mask, float squareSum) {
    }

    private StyleObjective(FeatureExtractor extractor, NDManager targets, ObjectiveLayers layers, LossWeights weights,
            NDArray contentTarget, List<StyleTarget> styleTargets, List<List<MaskedTarget>> maskedTargets) {
        this.extractor = extractor;
        this.targets = targets;
        this.layers = layers;
        this.weights = weights;
        this.contentTarget = contentTarget;
        this.styleTargets = styleTargets;
        this.maskedTargets = maskedTargets;
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
        return create(extractor, parent, content, styles, List.of(), layers, weights);
    }

    /**
     * With {@code masks} (none, or one per style at the content's size), each style is compared
     * where its mask selects: the output's masked Gram against that style's own Gram, the terms
     * weighted by {@code styleWeights} (API.md); Gram style loss only.
     */
    public static StyleObjective create(FeatureExtractor extractor, NDManager parent, RgbImage content, List<RgbImage> styles,
            List<Mask> masks, ObjectiveLayers layers, LossWeights weights) {
        if (!masks.isEmpty() && (masks.size() != styles.size() || layers.styleLoss() != StyleLoss.GRAM)) {
            throw new IllegalArgumentException("masks need one per style and the Gram style loss");
        }
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
            List<List<MaskedTarget>> masked = new ArrayList<>();
            for (int l = 0; l < count && !masks.isEmpty(); l++) {
                masked.add(new ArrayList<>());
            }
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
                        if (!masks.isEmpty()) {
                            String layer = layers.styleLayers().get(l);
                            masked.get(l).add(maskedTarget(keep(PerceptualMath.gram(tap), targets), masks.get(s),
                                    tapSize(extractor.variant(), layer, content.width(), content.height()), targets));
                        } else if (layers.styleLoss() == StyleLoss.GRAM) {
                            grams[l] = accumulate(grams[l], PerceptualMath.gram(tap).mul(w), targets);
                        } else {
                            means.get(l).add(keep(channelMean(tap), targets));
                            covariances.get(l).add(keep(centredCovariance(tap), targets));
                        }
                    }
                }
            }
            List<StyleTarget> styleTargets = new ArrayList<>();
            for (int l = 0; l < count && masks.isEmpty(); l++) {
                if (layers.styleLoss() == StyleLoss.GRAM) {
                    styleTargets.add(new StyleTarget(grams[l], null, null, null));
                    continue;
                }
                styleTargets.add(wassersteinTarget(means.get(l), covariances.get(l), weights.styleWeights(), targets));
            }
            return new StyleObjective(extractor, targets, layers, weights, contentTarget, styleTargets, masked);
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
            NDArray root = newtonSchulz(covariance)[0];
            return new StyleTarget(null, keep(mean, targets), keep(covariance, targets), keep(root, targets));
        }
    }

    /** A style's Gram with its mask area-averaged to the layer's {@code size} (height, width). */
    private static MaskedTarget maskedTarget(NDArray gram, Mask mask, int[] size, NDManager targets) {
        Mask atLayer = mask.areaResized(size[1], size[0]);
        double squareSum = 0;
        for (float v : atLayer.values()) {
            squareSum += (double) v * v;
        }
        NDArray values = targets.create(atLayer.values(), new Shape(1, atLayer.values().length));
        return new MaskedTarget(gram, values, (float) squareSum);
    }

    /** A tap's height and width for a width × height input: VGG's 2×2 pools floor each side by half. */
    static int[] tapSize(VggVariant variant, String tap, int width, int height) {
        int h = height;
        int w = width;
        for (FeatureLayer layer : variant.featureLayers().subList(0, variant.tapIndex(tap) + 1)) {
            if (layer.kind() == LayerKind.MAXPOOL) {
                h /= 2;
                w /= 2;
            }
        }
        return new int[] {h, w};
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
        // the first operand owns a result: what an evaluation makes from a target (W2's root · Σ · root,
        // its roots and traces, about 40 MB at VGG19's default layers) must die with the evaluation's
        // scope, not pile up in the stage's targets until the stage ends
        styleTargets.forEach(target -> target.lend(x.getManager()));
        var features = extractor.taps(x, taps, layers.pooling());
        NDArray content = PerceptualMath.meanSquaredError(features.get(layers.contentLayer()).get(0), contentTarget);
        NDArray style = null;
        for (int l = 0; l < layers.styleLayers().size(); l++) {
            NDArray tap = features.get(layers.styleLayers().get(l)).get(0);
            NDArray term;
            if (!maskedTargets.isEmpty()) {
                term = maskedTerm(tap, maskedTargets.get(l));
            } else {
                StyleTarget target = styleTargets.get(l);
                term = layers.styleLoss() == StyleLoss.GRAM
                        ? PerceptualMath.meanSquaredError(PerceptualMath.gram(tap), target.gram())
                        : wasserstein(tap, target);
            }
            // float scalars: a double would promote the graph to float64
            term = PerceptualMath.times(term, weights.styleLayerWeights().get(l).floatValue());
            style = style == null ? term : style.add(term);
        }
        NDArray tv = totalVariation(x);
        NDArray total = PerceptualMath.times(content, (float) weights.contentWeight())
                .add(PerceptualMath.times(style, (float) weights.styleWeight())).add(PerceptualMath.times(tv, (float) weights.tvWeight()));
        return new NDArray[] {total, content, style, tv};
    }

    /** One layer's masked style term, {@code Σ_s w_s · mean((G_m,s − G_s)²)}. */
    private NDArray maskedTerm(NDArray tap, List<MaskedTarget> targetsOfLayer) {
        NDArray sum = null;
        for (int s = 0; s < targetsOfLayer.size(); s++) {
            MaskedTarget target = targetsOfLayer.get(s);
            NDArray term = PerceptualMath.times(PerceptualMath.meanSquaredError(
                    PerceptualMath.maskedGram(tap, target.mask(), target.squareSum()), target.gram()), weights.styleWeights().get(s).floatValue());
            sum = sum == null ? term : sum.add(term);
        }
        return sum;
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
        NDArray cross = traceOfSquareRoot(root.matMul(covariance).matMul(root));
        NDArray meanTerm = mean.sub(target.mean()).square().sum();
        NDArray traceTerm = trace(covariance).add(trace(target.covariance())).sub(PerceptualMath.times(cross, 2f));
        return PerceptualMath.over(meanTerm.add(traceTerm), c);
    }

    /**
     * {@code tr(m^½)} of a symmetric positive definite {@code m}, whose gradient autograd takes as
     * {@code ½·m^-½}: exact for symmetric m (if {@code m^½·L + L·m^½ = dm} then {@code 2·tr(L) =
     * tr(m^-½·dm)}), and both factors come from one Newton–Schulz run. Differentiating through the
     * iterations instead kept every step's matrices for the backward pass and, in float32,
     * amplified rounding until the gradient went NaN.
     */
    static NDArray traceOfSquareRoot(NDArray m) {
        NDArray[] roots;
        try (NDArray detached = m.stopGradient()) {
            roots = newtonSchulz(detached);
        }
        NDArray halfInverse = roots[1].mul(0.5f);
        // value tr(m^½), gradient ½·m^-½: the linear term's value cancels exactly
        NDArray linear = m.mul(halfInverse).sum();
        return linear.sub(linear.stopGradient()).add(trace(roots[0]));
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
        return PerceptualMath.over(centred.matMul(centred.transpose()), hw);
    }

    private static NDArray trace(NDArray matrix) {
        long c = matrix.getShape().get(0);
        return matrix.mul(matrix.getManager().eye((int) c)).sum();
    }

    /**
     * {@code a^½} and {@code a^-½} of a symmetric positive definite matrix by coupled Newton–Schulz
     * iterations (Higham, "Functions of Matrices", 2008, §6.3): matmuls only, so they run on any
     * device. Scaled by the Frobenius norm first, which puts every eigenvalue in (0, 1], where the
     * iteration converges. In float64, so that the iterations add no rounding of their own; not
     * recorded by autograd (see {@link #traceOfSquareRoot}); float32 results.
     */
    static NDArray[] newtonSchulz(NDArray a) {
        try (NDManager scratch = a.getManager().newSubManager()) {
            int c = (int) a.getShape().get(0);
            NDArray wide = a.toType(DataType.FLOAT64, true);
            wide.attach(scratch);
            NDArray norm = wide.square().sum().sqrt();
            NDArray identity = scratch.eye(c, c, 0, DataType.FLOAT64);
            NDArray threeIdentity = identity.mul(3.0);
            NDArray y = wide.div(norm);
            NDArray z = identity.duplicate();
            for (int i = 0; i < NEWTON_SCHULZ_ITERATIONS; i++) {
                // each step's matrices freed as it goes: a handful of C×C alive, not three per iteration
                NDArray t;
                try (NDArray zy = z.matMul(y)) {
                    t = threeIdentity.sub(zy).muli(0.5);
                }
                NDArray nextY = y.matMul(t);
                NDArray nextZ = t.matMul(z);
                t.close();
                y.close();
                z.close();
                y = nextY;
                z = nextZ;
            }
            NDArray scale = norm.sqrt();
            NDArray root = y.mul(scale).toType(DataType.FLOAT32, false);
            NDArray inverseRoot = z.div(scale).toType(DataType.FLOAT32, false);
            root.attach(a.getManager());
            inverseRoot.attach(a.getManager());
            return new NDArray[] {root, inverseRoot};
        }
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

    /** Bytes of the style layers' taps at width × height: what W2 copies, centred, for the covariances. */
    public static long styleTapBytes(PerceptionModel model, ObjectiveLayers layers, int width, int height) {
        long elements = 0;
        long h = height;
        long w = width;
        for (FeatureLayer layer : model.variant().featureLayers()) {
            if (layer.kind() == LayerKind.MAXPOOL) {
                h /= 2;
                w /= 2;
            }
            if (layer.tap() != null && layers.styleLayers().contains(layer.tap())) {
                elements += layer.outChannels() * h * w;
            }
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
