package dev.pastiche.transfer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;

/**
 * L-BFGS with {@code torch.optim.LBFGS(history_size=100, line_search_fn="strong_wolfe")}'s
 * semantics, one iteration per {@link #step} (torch's {@code max_iter=1}, so the image can be
 * clamped after every step): an evaluation at the current point, the two-loop recursion (Nocedal
 * 1980) for the direction, and the strong-Wolfe line search of torch's {@code _strong_wolfe}
 * (Nocedal &amp; Wright, Algorithms 3.5–3.6, cubic interpolation). DJL has no L-BFGS.
 *
 * <p>Scalars enter as floats (a double would promote the vectors to float64). Every temporary is closed as soon as it is used: the recursion touches 2 × 100 image-sized
 * vectors per step, which would otherwise pile up until the step ends.
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
    private final List<NDArray> oldDirections = new ArrayList<>();
    private final List<NDArray> oldSteps = new ArrayList<>();
    private final List<Double> rho = new ArrayList<>();
    private NDArray direction;
    private NDArray previousGradient;
    private double stepLength;
    private double hessianDiagonal = 1;
    private int iterations;

    Lbfgs(NDManager stage) {
        this.stage = stage;
    }

    private record Point(double loss, NDArray gradient, double gtd) {
    }

    @Override
    public NDArray step(NDArray x, Evaluator evaluator) {
        try (NDManager step = stage.newSubManager()) {
            x.tempAttach(step);
            Point start = evaluate(x, 0, null, step, evaluator);
            NDArray g = start.gradient();
            if (maxAbs(g) <= TOLERANCE_GRAD) {
                return null;
            }
            iterations++;
            NDArray d = iterations == 1 ? g.neg() : twoLoopDirection(g);
            replacePreviousGradient(g);
            double t = iterations == 1 ? Math.min(1.0, 1.0 / sumAbs(g)) * LEARNING_RATE : LEARNING_RATE;
            double gtd = dot(g, d);
            if (gtd > -TOLERANCE_CHANGE) {
                d.close();
                return null;
            }
            t = strongWolfe(evaluator, x, t, d, start.loss(), g, gtd, step);
            NDArray next;
            try (NDArray move = d.mul((float) t); NDArray moved = x.add(move)) {
                next = moved.clip(0, 1);
            }
            next.attach(stage);
            d.attach(stage);
            if (direction != null) {
                direction.close();
            }
            direction = d;
            stepLength = t;
            return next;
        }
    }

    /** Updates the history with the last step and returns −H·g by the two-loop recursion. */
    private NDArray twoLoopDirection(NDArray g) {
        NDArray y = g.sub(previousGradient);
        NDArray s = direction.mul((float) stepLength);
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
        NDArray q = g.neg();
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

    private void replacePreviousGradient(NDArray g) {
        if (previousGradient != null) {
            previousGradient.close();
        }
        previousGradient = g.duplicate();
        previousGradient.attach(stage);
    }

    /** torch's {@code _strong_wolfe}; returns the accepted step length. */
    private double strongWolfe(Evaluator evaluator, NDArray x, double t0, NDArray d, double f, NDArray g, double gtd, NDManager step) {
        double t = t0;
        double dNorm = maxAbs(d);
        Point next = evaluate(x, t, d, step, evaluator);
        double tPrev = 0;
        Point prev = new Point(f, g, gtd);
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
            at = new Point[] {new Point(f, g, gtd), next};
        }
        boolean insufficientProgress = false;
        int low = at[0].loss() <= at[at.length - 1].loss() ? 0 : 1;
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
        return bracket[low];
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

    /** Evaluates at x + t·d (at x when d is null); the gradient is kept in {@code step}, the rest freed at once. */
    private static Point evaluate(NDArray x, double t, NDArray d, NDManager step, Evaluator evaluator) {
        try (NDManager scope = step.newSubManager()) {
            NDArray point = x;
            if (d != null) {
                try (NDArray move = d.mul((float) t)) {
                    point = x.add(move);
                }
                point.attach(scope);
            }
            Evaluation evaluation = evaluator.evaluate(point, scope);
            NDArray gradient = evaluation.gradient();
            gradient.attach(step);
            return new Point(evaluation.losses().total(), gradient, d == null ? 0 : dot(gradient, d));
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
