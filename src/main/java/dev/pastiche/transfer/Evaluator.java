package dev.pastiche.transfer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * The objective as the optimisers see it: counts evaluations (the unit of {@code iterations}),
 * checks cancellation and the deadline before each one, and reports progress after each one.
 */
final class Evaluator {

    interface Observer {
        /** Throws to stop the run: cancellation or deadline. */
        void beforeEvaluation();

        void afterEvaluation(int evaluations, Losses losses);
    }

    private final Objective objective;
    private final Observer observer;
    private int evaluations;

    Evaluator(Objective objective, Observer observer) {
        this.objective = objective;
        this.observer = observer;
    }

    Evaluation evaluate(NDArray x, NDManager scope) {
        observer.beforeEvaluation();
        Evaluation evaluation = objective.evaluate(x, scope);
        evaluations++;
        observer.afterEvaluation(evaluations, evaluation.losses());
        return evaluation;
    }

    int evaluations() {
        return evaluations;
    }
}
