package dev.pastiche.transfer;

import dev.pastiche.perception.LossTerms;
import dev.pastiche.perception.Losses;
import java.util.function.BooleanSupplier;

/**
 * Turns iterations into {@link TransferProgress} for the listener, weighting each stage by its
 * pixels times its iterations (a stage's cost grows with both), publishing no more often than the
 * listener asks, and stops the run on cancellation or at the deadline.
 */
final class ProgressTracker {

    private final TransferListener listener;
    private final BooleanSupplier cancelled;
    private final long startNanos;
    private final long deadlineNanos;
    private final long deadlineSeconds;
    private final double[] stageWork;
    private final int[] stageIterations;
    private final double totalWork;
    private int stage;
    private double workBefore;
    private long lastPublished;
    /** The fraction done before this process started on the run: a resumed run's rate counts only its own work. */
    private double startFraction;
    private TransferProgress latest;

    ProgressTracker(TransferListener listener, BooleanSupplier cancelled, long deadlineSeconds, long[] stagePixels, int[] stageIterations) {
        this.listener = listener;
        this.cancelled = cancelled;
        this.startNanos = System.nanoTime();
        this.deadlineSeconds = deadlineSeconds;
        this.deadlineNanos = deadlineSeconds > 0 ? startNanos + deadlineSeconds * 1_000_000_000L : Long.MAX_VALUE;
        this.stageIterations = stageIterations.clone();
        this.stageWork = new double[stagePixels.length];
        double total = 0;
        for (int k = 0; k < stagePixels.length; k++) {
            stageWork[k] = (double) stagePixels[k] * stageIterations[k];
            total += stageWork[k];
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

    /** The run goes on from a checkpoint at {@code iteration} of the current stage. */
    void resumedAt(int iteration) {
        startFraction = fraction(iteration);
    }

    private double fraction(int iteration) {
        return Math.min(1.0, (workBefore + stageWork[stage] * iteration / stageIterations[stage]) / totalWork);
    }

    /** Checked before every evaluation, so a cancelled run stops within one evaluation. */
    void beforeEvaluation() {
        if (cancelled.getAsBoolean() || Thread.currentThread().isInterrupted()) {
            throw new TransferCancelledException();
        }
        if (System.nanoTime() > deadlineNanos) {
            throw new TransferDeadlineException(deadlineSeconds);
        }
    }

    /**
     * After an iteration: publishes it when the listener's interval has passed or {@code force}
     * (a preview, the end of a stage); only then are the losses read back.
     */
    void iteration(int iteration, int evaluations, LossTerms losses, boolean force) {
        long now = System.nanoTime();
        long interval = listener.progressIntervalNanos();
        if (!force && (interval == Long.MAX_VALUE || (latest != null && now - lastPublished < interval))) {
            return;
        }
        double fraction = fraction(iteration);
        double elapsed = (now - startNanos) / 1e9;
        Double eta = fraction > startFraction ? elapsed * (1 - fraction) / (fraction - startFraction) : null;
        Losses read = losses.read();
        if (!Double.isFinite(read.total())) {
            throw new TransferDivergedException("the loss at stage " + (stage + 1) + ", iteration " + iteration);
        }
        latest = new TransferProgress(stage + 1, stageWork.length, iteration, stageIterations[stage], evaluations, fraction, read, eta);
        lastPublished = now;
        listener.progress(latest);
    }

    /** The last progress published. */
    TransferProgress latest() {
        return latest;
    }
}
