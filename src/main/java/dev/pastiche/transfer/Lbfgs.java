package dev.pastiche.transfer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.pastiche.perception.Evaluation;
import dev.pastiche.perception.ImageTensors;
import dev.pastiche.perception.LossTerms;
import java.util.ArrayList;
import java.util.List;

/**
 * L-BFGS as API.md defines it: {@code torch.optim.LBFGS(max_iter=iterations, history_size=100,
 * line_search_fn="strong_wolfe")} with torch's tolerances, its {@code max_eval} of 1.25
 * evaluations per iteration and its stopping rules, kept to the [0, 1] box by projection inside
 * the line search. One {@link #step} is one of torch's iterations: the two-loop recursion (Nocedal
 * 1980) gives the direction, whose components that push against an active bound are dropped; the
 * strong-Wolfe search of torch's {@code _strong_wolfe} (Nocedal &amp; Wright, Algorithms 3.5–3.6)
 * then runs along the projected path {@code P(x + t·d)}, so its accepted point, with the loss and
 * gradient it was evaluated with, is the next iterate: no second evaluation per iteration, and
 * never a point outside the box. The history pairs are the steps actually taken. DJL has no L-BFGS.
 *
 * <p>Scalars enter as floats (a double would promote the vectors to float64). Every temporary is
 * closed as soon as it is used: the recursion touches 2 × 100 image-sized vectors per iteration,
 * which would otherwise pile up until the iteration ends.
 */
final class Lbfgs implements Optimizer {

    static final int HISTORY = 100;
    private static final double LEARNING_RATE = 1;
    private static final double TOLERANCE_GRAD = 1e-7;
    private static final double TOLERANCE_CHANGE = 1e-9;
    private static final int MAX_LINE_SEARCH = 25;
    private static final double C1 = 1e-4;
    private static final double C2 = 0.9;

    private final NDManager stage;
    /** torch's {@code max_eval} default: {@code max_iter · 5 / 4}. */
    private final int maxEvaluations;
    private final List<NDArray> oldDirections = new ArrayList<>();
    private final List<NDArray> oldSteps = new ArrayList<>();
    private final List<Double> rho = new ArrayList<>();
    private NDArray gradient;
    private NDArray previousGradient;
    private NDArray lastStep;
    private double loss;
    private LossTerms losses;
    private double hessianDiagonal = 1;
    private int iterations;
    private int evaluations;
    private boolean converged;

    Lbfgs(NDManager stage, int maxIterations) {
        this(stage, maxIterations, 0);
    }

    /** Resumed from a checkpoint with a fresh history, after {@code spent} of the stage's evaluations. */
    Lbfgs(NDManager stage, int maxIterations, int spent) {
        this.stage = stage;
        this.maxEvaluations = Math.max(1, maxIterations * 5 / 4 - spent);
    }

    /** A point the line search evaluated: its loss, gradient, slope along the projected path, and terms. */
    private record Point(double loss, NDArray gradient, double gtd, LossTerms terms) {
    }

    @Override
    public NDArray step(NDArray x, Evaluator evaluator) {
        if (converged) {
            return null;
        }
        try (NDManager step = stage.newSubManager()) {
            x.tempAttach(step);
            if (gradient == null) {
                Point start = evaluate(x, 0, null, step, evaluator);
                accept(start);
                if (maxAbs(gradient) <= TOLERANCE_GRAD) {
                    converged = true;
                    return null;
                }
            }
            iterations++;
            NDArray d = iterations == 1 ? gradient.neg() : twoLoopDirection();
            // made from the stage's gradient, the direction would otherwise outlive the iteration
            d.attach(step);
            replacePreviousGradient();
            d = dropBlocked(x, d);
            double t = iterations == 1 ? Math.min(1.0, 1.0 / sumAbs(gradient)) * LEARNING_RATE : LEARNING_RATE;
            double gtd = dot(gradient, d);
            if (gtd > -TOLERANCE_CHANGE) {
                // not a descent direction: torch stops here without moving
                converged = true;
                return null;
            }
            double previousLoss = loss;
            Point start = new Point(loss, gradient, gtd, losses);
            Accepted accepted = strongWolfe(evaluator, x, t, d, start, step);
            NDArray next = project(x, accepted.t(), d);
            next.attach(stage);
            if (lastStep != null) {
                lastStep.close();
            }
            lastStep = next.sub(x);
            lastStep.attach(stage);
            if (accepted.point() != start) {
                accept(accepted.point());
            }
            // torch's stopping rules, checked after the iteration: evaluation budget, optimality, lack of progress
            converged = evaluations >= maxEvaluations || maxAbs(gradient) <= TOLERANCE_GRAD
                    || maxAbs(lastStep) <= TOLERANCE_CHANGE || Math.abs(loss - previousLoss) < TOLERANCE_CHANGE;
            return next;
        }
    }

    @Override
    public LossTerms losses() {
        return losses;
    }

    /** Makes {@code point} the current one: its gradient and terms move to the stage, the old ones are freed. */
    private void accept(Point point) {
        NDArray oldGradient = gradient;
        LossTerms oldLosses = losses;
        point.gradient().attach(stage);
        point.terms().array().attach(stage);
        gradient = point.gradient();
        loss = point.loss();
        losses = point.terms();
        if (oldGradient != null && oldGradient != previousGradient) {
            oldGradient.close();
        }
        if (oldLosses != null) {
            oldLosses.array().close();
        }
    }

    /** Updates the history with the last step taken and returns −H·g by the two-loop recursion. */
    private NDArray twoLoopDirection() {
        NDArray y = gradient.sub(previousGradient);
        NDArray s = lastStep.duplicate();
        double ys = dot(y, s);
        if (ys > 1e-10) {
            if (oldDirections.size() == HISTORY) {
                oldDirections.remove(0).close();
                oldSteps.remove(0).close();
                rho.remove(0);
            }
            y.attach(stage);
            s.attach(stage);
            oldDirections.add(y);
            oldSteps.add(s);
            rho.add(1.0 / ys);
            hessianDiagonal = ys / dot(y, y);
        } else {
            y.close();
            s.close();
        }
        int n = oldDirections.size();
        double[] alpha = new double[n];
        NDArray q = gradient.neg();
        for (int i = n - 1; i >= 0; i--) {
            alpha[i] = dot(oldSteps.get(i), q) * rho.get(i);
            try (NDArray scaled = oldDirections.get(i).mul((float) alpha[i])) {
                q.subi(scaled);
            }
        }
        NDArray r = q.muli((float) hessianDiagonal);
        for (int i = 0; i < n; i++) {
            double beta = dot(oldDirections.get(i), r) * rho.get(i);
            try (NDArray scaled = oldSteps.get(i).mul((float) (alpha[i] - beta))) {
                r.addi(scaled);
            }
        }
        return r;
    }

    private void replacePreviousGradient() {
        if (previousGradient != null && previousGradient != gradient) {
            previousGradient.close();
        }
        // the current gradient is replaced, never changed in place, when the next point is accepted
        previousGradient = gradient;
    }

    /** The direction without the components that would leave the box where x already lies on its bound. */
    private static NDArray dropBlocked(NDArray x, NDArray d) {
        try (NDArray atLow = x.lte(0f); NDArray down = d.lt(0f); NDArray atHigh = x.gte(1f); NDArray up = d.gt(0f);
                NDArray blockedLow = atLow.logicalAnd(down); NDArray blockedHigh = atHigh.logicalAnd(up);
                NDArray blocked = blockedLow.logicalOr(blockedHigh); NDArray free = blocked.logicalNot();
                NDArray mask = free.toType(DataType.FLOAT32, false)) {
            NDArray kept = d.mul(mask);
            d.close();
            return kept;
        }
    }

    /** {@code P(x + t·d)}, the point the projected path reaches at t. */
    private static NDArray project(NDArray x, double t, NDArray d) {
        try (NDArray move = d.mul((float) t); NDArray moved = x.add(move)) {
            return ImageTensors.clampToUnit(moved);
        }
    }

    private record Accepted(double t, Point point) {
    }

    /**
     * torch's {@code _strong_wolfe} on φ(t) = f(P(x + t·d)), whose slope at t is the gradient
     * there dotted with d on the coordinates still inside the box. Returns the accepted step and
     * the evaluated point it reaches.
     */
    private Accepted strongWolfe(Evaluator evaluator, NDArray x, double t0, NDArray d, Point start, NDManager step) {
        double f = start.loss();
        double gtd = start.gtd();
        double t = t0;
        double dNorm = maxAbs(d);
        Point next = evaluate(x, t, d, step, evaluator);
        double tPrev = 0;
        Point prev = start;
        boolean done = false;
        int lsIter = 0;
        double[] bracket = null;
        Point[] at = null;
        while (lsIter < MAX_LINE_SEARCH) {
            if (next.loss() > f + C1 * t * gtd || (lsIter > 1 && next.loss() >= prev.loss())) {
                bracket = new double[] {tPrev, t};
                at = new Point[] {prev, next};
                break;
            }
            if (Math.abs(next.gtd()) <= -C2 * gtd) {
                bracket = new double[] {t};
                at = new Point[] {next};
                done = true;
                break;
            }
            if (next.gtd() >= 0) {
                bracket = new double[] {tPrev, t};
                at = new Point[] {prev, next};
                break;
            }
            double minStep = t + 0.01 * (t - tPrev);
            double maxStep = t * 10;
            double tmp = t;
            t = cubicInterpolate(tPrev, prev.loss(), prev.gtd(), t, next.loss(), next.gtd(), minStep, maxStep);
            tPrev = tmp;
            prev = next;
            next = evaluate(x, t, d, step, evaluator);
            lsIter++;
        }
        if (lsIter == MAX_LINE_SEARCH) {
            bracket = new double[] {0, t};
            at = new Point[] {start, next};
        }
        if (bracket.length == 1) {
            return new Accepted(bracket[0], at[0]);
        }
        boolean insufficientProgress = false;
        int low = at[0].loss() <= at[1].loss() ? 0 : 1;
        int high = 1 - low;
        while (!done && lsIter < MAX_LINE_SEARCH) {
            if (Math.abs(bracket[1] - bracket[0]) * dNorm < TOLERANCE_CHANGE) {
                break;
            }
            double hi = Math.max(bracket[0], bracket[1]);
            double lo = Math.min(bracket[0], bracket[1]);
            t = cubicInterpolate(bracket[0], at[0].loss(), at[0].gtd(), bracket[1], at[1].loss(), at[1].gtd(), lo, hi);
            double eps = 0.1 * (hi - lo);
            if (Math.min(hi - t, t - lo) < eps) {
                if (insufficientProgress || t >= hi || t <= lo) {
                    t = Math.abs(t - hi) < Math.abs(t - lo) ? hi - eps : lo + eps;
                    insufficientProgress = false;
                } else {
                    insufficientProgress = true;
                }
            } else {
                insufficientProgress = false;
            }
            next = evaluate(x, t, d, step, evaluator);
            lsIter++;
            if (next.loss() > f + C1 * t * gtd || next.loss() >= at[low].loss()) {
                bracket[high] = t;
                at[high] = next;
                low = at[0].loss() <= at[1].loss() ? 0 : 1;
                high = 1 - low;
            } else {
                if (Math.abs(next.gtd()) <= -C2 * gtd) {
                    done = true;
                } else if (next.gtd() * (bracket[high] - bracket[low]) >= 0) {
                    bracket[high] = bracket[low];
                    at[high] = at[low];
                }
                bracket[low] = t;
                at[low] = next;
            }
        }
        return new Accepted(bracket[low], at[low]);
    }

    /**
     * Minimiser of the cubic through two points with values and derivatives, within bounds
     * (torch's {@code _cubic_interpolate}, from minFunc's polyinterp).
     */
    static double cubicInterpolate(double x1, double f1, double g1, double x2, double f2, double g2, double lo, double hi) {
        double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
        double d2Square = d1 * d1 - g1 * g2;
        if (d2Square >= 0) {
            double d2 = Math.sqrt(d2Square);
            double minPos = x1 <= x2
                    ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
                    : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
            return Math.min(Math.max(minPos, lo), hi);
        }
        return (lo + hi) / 2;
    }

    /**
     * Evaluates at {@code P(x + t·d)} (at x when d is null); the gradient and terms are kept in
     * {@code step}, the rest freed at once.
     */
    private Point evaluate(NDArray x, double t, NDArray d, NDManager step, Evaluator evaluator) {
        evaluations++;
        try (NDManager scope = step.newSubManager()) {
            NDArray point = x;
            if (d != null) {
                point = project(x, t, d);
                point.attach(scope);
            }
            Evaluation evaluation = evaluator.evaluate(point, scope);
            NDArray gradient = evaluation.gradient();
            gradient.attach(step);
            evaluation.losses().array().attach(step);
            double gtd = 0;
            if (d != null) {
                // the path's slope: coordinates held at a bound do not move with t
                try (NDArray moved = d.mul((float) t).addi(x); NDArray above = moved.gt(0f); NDArray below = moved.lt(1f);
                        NDArray inside = above.logicalAnd(below); NDArray mask = inside.toType(DataType.FLOAT32, false);
                        NDArray slope = d.mul(mask)) {
                    gtd = dot(gradient, slope);
                }
            }
            return new Point(evaluation.losses().total(), gradient, gtd, evaluation.losses());
        }
    }

    static double dot(NDArray a, NDArray b) {
        try (NDArray flatA = a.reshape(-1); NDArray flatB = b.reshape(-1); NDArray product = flatA.dot(flatB)) {
            return product.getFloat();
        }
    }

    private static double maxAbs(NDArray a) {
        try (NDArray abs = a.abs(); NDArray max = abs.max()) {
            return max.getFloat();
        }
    }

    private static double sumAbs(NDArray a) {
        try (NDArray abs = a.abs(); NDArray sum = abs.sum()) {
            return sum.getFloat();
        }
    }
}
