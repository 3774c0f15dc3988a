package dev.pastiche.perception;

import java.util.concurrent.locks.ReentrantLock;

/**
 * PyTorch allows one {@code GradientCollector} open in the JVM at a time (ARCHITECTURE.md), so
 * everything that collects gradients, style transfer and the training of classifier heads alike,
 * holds this one lock while it does. Fair, so that neither starves the other.
 */
public final class GradientLock {

    private static final ReentrantLock LOCK = new ReentrantLock(true);

    private GradientLock() {
    }

    public static ReentrantLock get() {
        return LOCK;
    }
}
