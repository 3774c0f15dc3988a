package dev.pastiche.job;

import java.util.concurrent.TimeUnit;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Lets a busy worker stop without losing its work. On shutdown (SIGTERM: Kubernetes after the
 * worker's preStop hook) this bean stops before JobRunr does: the running job sees
 * {@link #stopping()} after its current iteration, writes a checkpoint and goes back to the queue,
 * and shutdown waits for that, up to {@code spring.lifecycle.timeout-per-shutdown-phase}. A job
 * that does not get there in time is interrupted by JobRunr's own stop, and goes on from its last
 * periodic checkpoint.
 */
@Component
class WorkerShutdown implements SmartLifecycle {

    private final Object lock = new Object();
    private volatile boolean running;
    private volatile boolean stopping;
    private int busy;

    /** Whether this worker is stopping: a running job checkpoints and hands itself back. */
    boolean stopping() {
        return stopping;
    }

    void began() {
        synchronized (lock) {
            busy++;
        }
    }

    void ended() {
        synchronized (lock) {
            busy--;
            lock.notifyAll();
        }
    }

    @Override
    public void start() {
        stopping = false;
        running = true;
    }

    @Override
    public void stop() {
        stopping = true;
        awaitIdle();
        running = false;
    }

    /** Waits on a thread of its own, so that the other beans of this phase stop meanwhile. */
    @Override
    public void stop(Runnable callback) {
        stopping = true;
        Thread waiter = new Thread(() -> {
            awaitIdle();
            running = false;
            callback.run();
        }, "worker-shutdown");
        waiter.setDaemon(true);
        waiter.start();
    }

    private void awaitIdle() {
        synchronized (lock) {
            while (busy > 0) {
                try {
                    lock.wait(TimeUnit.SECONDS.toMillis(1));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
