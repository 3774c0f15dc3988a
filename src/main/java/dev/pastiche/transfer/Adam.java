package dev.pastiche.transfer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Adam with {@code torch.optim.Adam}'s semantics (Kingma &amp; Ba 2015; β = 0.9, 0.999, ε = 1e-8
 * added after the bias-corrected square root). Written here because DJL's Adam places ε
 * differently, which changes Gatys-sized steps by up to 70 %, and leaks its state (ARCHITECTURE.md).
 */
final class Adam implements Optimizer {

    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.999;
    private static final double EPSILON = 1e-8;

    private final NDManager stage;
    private final double learningRate;
    private NDArray m;
    private NDArray v;
    private int t;

    Adam(NDManager stage, double learningRate) {
        this.stage = stage;
        this.learningRate = learningRate;
    }

    @Override
    public NDArray step(NDArray x, Evaluator evaluator) {
        try (NDManager step = stage.newSubManager()) {
            if (m == null) {
                m = stage.zeros(x.getShape());
                v = stage.zeros(x.getShape());
            }
            // temporaries made from the state land in the step's scope, not the stage's
            x.tempAttach(step);
            m.tempAttach(step);
            v.tempAttach(step);
            NDArray g = evaluator.evaluate(x, step).gradient();
            t++;
            // float scalars throughout: a double would promote the arrays to float64
            m.muli((float) BETA1).addi(g.mul((float) (1 - BETA1)));
            v.muli((float) BETA2).addi(g.square().muli((float) (1 - BETA2)));
            double correction1 = 1 - Math.pow(BETA1, t);
            double correction2 = 1 - Math.pow(BETA2, t);
            NDArray denominator = v.sqrt().divi((float) Math.sqrt(correction2)).addi((float) EPSILON);
            NDArray next = x.sub(m.div(denominator).muli((float) (learningRate / correction1))).clip(0, 1);
            next.attach(stage);
            return next;
        }
    }
}
