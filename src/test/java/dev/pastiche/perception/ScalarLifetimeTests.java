package dev.pastiche.perception;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * A scalar factor in the autograd graph must outlive the backward pass. DJL's {@code a.mul(3f)}
 * makes 3 a tensor over a direct buffer, which PyTorch reads in place on the CPU, and closes it at
 * once; autograd keeps that tensor for the gradient, so once the garbage collector has freed the
 * buffer and the allocator has handed its block out again, the gradient reads whatever is there.
 * That turned style-transfer runs NaN now and then. {@link PerceptualMath#times} keeps the scalar
 * in the array's scope. With DJL 0.36's own {@code a.mul(3f)} in its place this test fails: the
 * gradient came out −2.4e30 in a few of the rounds.
 */
class ScalarLifetimeTests {

    private static final int ROUNDS = 50;

    @Test
    void theGradientThroughTimesIsTheFactorEvenAfterTheCollectorFreedTheScalarsBuffer() throws InterruptedException {
        assertThat(gradients(PerceptualMath::times)).as("gradients of times(x, 3) over %d rounds", ROUNDS).containsOnly(3f);
    }

    @Test
    void theGradientThroughOverIsTheInverseFactor() throws InterruptedException {
        assertThat(gradients(PerceptualMath::over)).containsOnly(1 / 3f);
    }

    /**
     * Each round builds {@code sum(f(x, 3))}, then collects garbage and fills freshly allocated
     * direct buffers of the scalar's size with 1e30 (so a freed block, reused, holds a huge value)
     * before the backward pass.
     */
    private static List<Float> gradients(BiFunction<NDArray, Float, NDArray> f) throws InterruptedException {
        List<Float> seen = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int round = 0; round < ROUNDS; round++) {
                try (NDManager scope = manager.newSubManager()) {
                    NDArray x = scope.create(new float[] {1, 2, 3, 4});
                    x.setRequiresGradient(true);
                    try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                        NDArray y = f.apply(x, 3f).sum();
                        System.gc();
                        Thread.sleep(5);
                        List<ByteBuffer> churn = new ArrayList<>();
                        for (int i = 0; i < 2000; i++) {
                            churn.add(ByteBuffer.allocateDirect(4).order(java.nio.ByteOrder.nativeOrder()).putFloat(0, 1e30f));
                        }
                        collector.backward(y);
                        for (float g : x.getGradient().toFloatArray()) {
                            seen.add(g);
                        }
                        churn.clear();
                    }
                }
            }
        }
        return seen;
    }
}
