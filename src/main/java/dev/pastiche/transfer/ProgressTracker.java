package dev.pastiche.transfer;

import java.util.function.BooleanSupplier;

/**
 * Turns evaluations into {@link TransferProgress} for the listener, weighting each stage by its
 * pixels (a stage's cost grows with them), and stops the run on cancellation or at the deadline.
 */
final class ProgressTracker implements Evaluator.Observer {

    private final TransferListener listener;
    private final BooleanSupplier cancelled;
    private final long startNanos;
    private final long deadlineNanos;
    private final long deadlineSeconds;
    private final long[] stageWork;
    private final long totalWork;
    private final int iterations;
    private int stage;
    private long workBefore;
    private TransferProgress latest;

    ProgressTracker(TransferListener listener, BooleanSupplier cancelled, long deadlineSeconds, long[] stagePixels, int iterations) {
        this.listener = listener;
        this.cancelled = cancelled;
        this.startNanos = System.nanoTime();
        this.deadlineSeconds = deadlineSeconds;
        this.deadlineNanos = deadlineSeconds > 0 ? startNanos + deadlineSeconds * 1_000_000_000L : Long.MAX_VALUE;
        this.iterations = iterations;
        this.stageWork = stagePixels.clone();
        long total = 0;
        for (long pixels : stagePixels) {
            total += pixels;
        }
        this.totalWork = total;
    }

    void startStage(int index) {
        workBefore = 0;
        for (int i = 0; i < index; i++) {
            workBefore += stageWork[i];
        }
        stage = index;
    }

    /** Checked before every evaluation, so a cancelled run stops within one iteration. */
    @Override
    public void beforeEvaluation() {
        if (cancelled.getAsBoolean() || Thread.currentThread().isInterrupted()) {
            throw new TransferCancelledException();
        }
        if (System.nanoTime() > deadlineNanos) {
            throw new TransferDeadlineException(deadlineSeconds);
        }
    }

    @Override
    public void afterEvaluation(int evaluations, Losses losses) {
        int done = Math.min(evaluations, iterations);
        double fraction = (workBefore + (double) stageWork[stage] * done / iterations) / totalWork;
        double elapsed = (System.nanoTime() - startNanos) / 1e9;
        Double eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : null;
        latest = new TransferProgress(stage + 1, stageWork.length, done, iterations, fraction, losses, eta);
        listener.progress(latest);
    }

    TransferProgress latest() {
        return latest;
    }
}
