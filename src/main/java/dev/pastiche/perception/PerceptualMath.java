package dev.pastiche.perception;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;

/**
 * The numeric definitions of API.md on single taps (C, H, W). The NDArray forms keep the autograd
 * graph, for style transfer; the double forms are for scoring.
 */
public final class PerceptualMath {

    /** LPIPS's epsilon, added to the channel norm. */
    private static final float NORM_EPSILON = 1e-10f;

    private PerceptualMath() {
    }

    /** {@code G = F·Fᵀ / (C·H·W)} with F the tap as C × HW. */
    public static NDArray gram(NDArray tap) {
        long c = tap.getShape().get(0);
        long hw = tap.getShape().get(1) * tap.getShape().get(2);
        NDArray f = tap.reshape(c, hw);
        return over(f.matMul(f.transpose()), c * hw);
    }

    /**
     * {@code a·s}, with s a tensor of a's scope. DJL's {@code a.mul(s)} makes s a tensor over a
     * direct buffer (on the CPU, PyTorch reads that Java memory in place) and closes it at once,
     * but autograd keeps s for the backward pass: once the garbage collector frees the buffer, the
     * backward pass reads freed memory, and a reused block turned a run's gradient to NaN now and
     * then. Held by a's scope, s outlives every backward pass through a. A float: a double would
     * promote the graph to float64, a long become an int64 tensor.
     */
    public static NDArray times(NDArray a, float s) {
        return a.mul(a.getManager().create(s));
    }

    /** {@code a / s}, with s a tensor of a's scope (see {@link #times}). */
    public static NDArray over(NDArray a, float s) {
        return a.div(a.getManager().create(s));
    }

    /**
     * API.md's masked Gram {@code (F·diag(m))·(F·diag(m))ᵀ / (C·Σm²)}: the Gram of the positions the
     * mask selects, equal to {@link #gram} when m ≡ 1.
     *
     * @param mask the mask at the tap's size, as (1, H·W)
     * @param squareSum Σ m² over the positions
     */
    public static NDArray maskedGram(NDArray tap, NDArray mask, float squareSum) {
        long c = tap.getShape().get(0);
        long hw = tap.getShape().get(1) * tap.getShape().get(2);
        NDArray f = tap.reshape(c, hw).mul(mask);
        return over(f.matMul(f.transpose()), c * squareSum);
    }

    /** Mean over all elements of (a − b)²: the content loss on taps, one style term on Gram matrices. */
    public static NDArray meanSquaredError(NDArray a, NDArray b) {
        return a.sub(b).square().mean();
    }

    /** Mean over C·H·W of (Fa − Fb)². */
    static double content(NDArray a, NDArray b) {
        return meanSquaredError(a, b).getFloat();
    }

    /** Mean over C·C of (Ga − Gb)² for one layer: {@link #stylePair} of the two taps. */
    static double style(NDArray a, NDArray b) {
        return stylePair(NDArrays.stack(new NDList(a, b)));
    }

    /** {@link #featuresPair} of the two taps. */
    static double features(NDArray a, NDArray b) {
        return featuresPair(NDArrays.stack(new NDList(a, b)));
    }

    /** Mean over C·C of (Ga − Gb)² of a pair's taps (2, C, H, W): both Gram matrices in one batched product. */
    static double stylePair(NDArray pair) {
        long c = pair.getShape().get(1);
        long hw = pair.getShape().get(2) * pair.getShape().get(3);
        NDArray f = pair.reshape(2, c, hw);
        NDArray g = f.matMul(f.transpose(0, 2, 1)).div(c * hw);
        return meanSquaredError(g.get(0), g.get(1)).getFloat();
    }

    /**
     * Mean over H·W of Σ_c (âc − b̂c)² of a pair's taps (2, C, H, W), â being a divided by its L2 norm
     * over channels (LPIPS, uncalibrated); both normalised at once, the difference squared in place.
     */
    static double featuresPair(NDArray pair) {
        NDArray unit = unitNormalised(pair);
        return unit.get(0).subi(unit.get(1)).powi(2).sum(new int[] {0}).mean().getFloat();
    }

    /** Each position's activations (n, C, H, W) divided by their L2 norm over channels (+1e-10, LPIPS's). */
    static NDArray unitNormalised(NDArray taps) {
        return taps.div(taps.square().sum(new int[] {1}, true).sqrt().addi(NORM_EPSILON));
    }

    /** The Gram matrices of a batch of taps (n, C, H, W), as {@link #stylePair} computes them: (n, C, C). */
    static NDArray grams(NDArray taps) {
        long n = taps.getShape().get(0);
        long c = taps.getShape().get(1);
        long hw = taps.getShape().get(2) * taps.getShape().get(3);
        NDArray f = taps.reshape(n, c, hw);
        return f.matMul(f.transpose(0, 2, 1)).div(c * hw);
    }

    /** Per position, the mean over channels of (a − b)² of two taps (C, H, W): the content distance's map, (H, W). */
    static NDArray contentMap(NDArray a, NDArray b) {
        return a.sub(b).square().mean(new int[] {0});
    }

    /** Per position, Σ_c (âc − b̂c)² of two unit-normalised taps (C, H, W): one layer's features map, (H, W). */
    static NDArray featuresMap(NDArray unitA, NDArray unitB) {
        return unitA.sub(unitB).square().sum(new int[] {0});
    }
}
