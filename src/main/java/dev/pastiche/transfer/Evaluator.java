package dev.pastiche.transfer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.pastiche.perception.Evaluation;
import dev.pastiche.perception.StyleObjective;

/**
 * The objective as the optimisers see it: counts evaluations, and lets the run check cancellation
 * and the deadline before each one and time it.
 */
final class Evaluator {

    interface Observer {
        /** Throws to stop the run: cancellation or deadline. */
        void beforeEvaluation();

        void afterEvaluation();

        /** Neither checks nor times: for measuring a bare step. */
        Observer NONE = new Observer() {
            @Override
            public void beforeEvaluation() {
            }

            @Override
            public void afterEvaluation() {
            }
        };
    }

    private final StyleObjective objective;
    private final Observer observer;
    private int evaluations;

    Evaluator(StyleObjective objective, Observer observer) {
        this.objective = objective;
        this.observer = observer;
    }

    Evaluation evaluate(NDArray x, NDManager scope) {
        observer.beforeEvaluation();
        Evaluation evaluation = objective.evaluate(x, scope);
        evaluations++;
        observer.afterEvaluation();
        return evaluation;
    }

    int evaluations() {
        return evaluations;
    }
}
