package dev.pastiche.transfer;

import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.util.NDImageUtils;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.pastiche.perception.Evaluation;
import dev.pastiche.perception.ImageTensors;
import dev.pastiche.perception.LossTerms;

/**
 * Adam with {@code torch.optim.Adam}'s semantics (Kingma &amp; Ba 2015; β = 0.9, 0.999, ε = 1e-8
 * added after the bias-corrected square root), clamped to [0, 1] after every step (API.md).
 * Written here because DJL's Adam places ε differently, which changes Gatys-sized steps by up to
 * 70 %, and leaks its state (ARCHITECTURE.md). Nothing is read back to the host: the loss terms
 * stay on the device until progress is published.
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
    private LossTerms losses;

    Adam(NDManager stage, double learningRate) {
        this.stage = stage;
        this.learningRate = learningRate;
    }

    /** Adam as a checkpoint left it: the same moments and step count, so its next step is the one it would have taken. */
    static Adam restored(NDManager stage, double learningRate, TransferCheckpoint.AdamState state, Shape shape) {
        Adam adam = new Adam(stage, learningRate);
        adam.t = state.step();
        adam.m = stage.create(state.m(), shape);
        adam.v = stage.create(state.v(), shape);
        return adam;
    }

    /** The state for a checkpoint, copied to the host. */
    TransferCheckpoint.AdamState state() {
        return new TransferCheckpoint.AdamState(t, Checkpoints.copy(m, stage), Checkpoints.copy(v, stage));
    }

    /**
     * This optimiser's state carried into the next stage, resized to its height × width (as
     * crowsonkb's style-transfer-pytorch does): the first moment bicubically, the second bilinearly
     * and kept non-negative; the step count, and so the bias correction, continues. Only the
     * benchmark's alternative carries them: the engine restarts Adam at every stage (measured better).
     */
    Adam resized(NDManager nextStage, int width, int height) {
        Adam next = new Adam(nextStage, learningRate);
        next.t = t;
        if (m != null) {
            next.m = resize(m, width, height, Image.Interpolation.BICUBIC, nextStage);
            try (NDArray resized = resize(v, width, height, Image.Interpolation.BILINEAR, nextStage)) {
                next.v = resized.maximum(0f);
            }
            m.close();
            v.close();
        }
        return next;
    }

    private static NDArray resize(NDArray state, int width, int height, Image.Interpolation interpolation, NDManager owner) {
        try (NDManager scope = owner.newSubManager()) {
            state.tempAttach(scope);
            // DJL's resize works on NHWC
            NDArray resized = NDImageUtils.resize(state.transpose(0, 2, 3, 1), width, height, interpolation).transpose(0, 3, 1, 2);
            resized.attach(owner);
            return resized;
        }
    }

    /** Hands the state to a longer-lived scope, so that it survives its stage for {@link #resized}. */
    void keepIn(NDManager owner) {
        if (m != null) {
            m.attach(owner);
            v.attach(owner);
        }
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
            Evaluation evaluation = evaluator.evaluate(x, step);
            NDArray g = evaluation.gradient();
            if (losses != null) {
                losses.array().close();
            }
            losses = evaluation.losses();
            losses.array().attach(stage);
            t++;
            // float scalars throughout: a double would promote the arrays to float64
            m.muli((float) BETA1).addi(g.mul((float) (1 - BETA1)));
            v.muli((float) BETA2).addi(g.square().muli((float) (1 - BETA2)));
            double correction1 = 1 - Math.pow(BETA1, t);
            double correction2 = 1 - Math.pow(BETA2, t);
            NDArray denominator = v.sqrt().divi((float) Math.sqrt(correction2)).addi((float) EPSILON);
            NDArray next = ImageTensors.clampToUnit(x.sub(m.div(denominator).muli((float) (learningRate / correction1))));
            next.attach(stage);
            return next;
        }
    }

    @Override
    public LossTerms losses() {
        return losses;
    }
}
