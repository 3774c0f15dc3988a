package dev.pastiche.perception;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import dev.pastiche.image.RgbImage;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Runs the extractor's forward passes for scoring on a few long-lived threads, merging queued
 * requests of one image size and tap set into one batch (micro-batching).
 *
 * <p>Long-lived threads matter on the CPU as much as batching does: every thread that calls into
 * PyTorch gets its own jemalloc arena and OpenMP team, and Tomcat's request threads take turns, so
 * each request found its memory cold again (a 224² pair took 0.81 s on request threads, 0.35 s on
 * one thread). Requests that arrive while a batch computes are gathered into the next one, so under
 * load batches form without a wait; {@code batch-window} adds one for devices where the forward is
 * short next to the arrival gap (a GPU).
 */
final class ScoringBatcher implements AutoCloseable {

    /** One request's share of a batch: its images' taps, (n, C, H, W) each, in the batch's scope. */
    interface Work<T> {
        T compute(Map<String, NDArray> taps);
    }

    private record Key(int width, int height, Set<String> taps) {
    }

    private static final class Pending<T> {
        final Key key;
        final List<RgbImage> images;
        final Work<T> work;
        final CompletableFuture<T> result = new CompletableFuture<>();

        Pending(Key key, List<RgbImage> images, Work<T> work) {
            this.key = key;
            this.images = images;
            this.work = work;
        }

        long pixels() {
            return (long) key.width() * key.height() * images.size();
        }

        private T value;
        private Throwable failure;

        void run(Map<String, NDArray> taps) {
            try {
                value = work.compute(taps);
            } catch (Throwable e) {
                failure = e;
            }
        }

        /** Called once the batch's scope is closed, so a caller never returns while its arrays are alive. */
        void finish() {
            if (failure != null) {
                result.completeExceptionally(failure);
            } else {
                result.complete(value);
            }
        }
    }

    private final Supplier<FeatureExtractor> extractor;
    private final ModelProperties limits;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private final ArrayDeque<Pending<?>> queue = new ArrayDeque<>();
    private final List<Thread> threads = new ArrayList<>();
    private final DistributionSummary batchImages;
    private boolean closed;

    /** @param backbone which network's passes these are ({@code vgg19}, {@code lpips}): the meters' tag and the threads' names */
    ScoringBatcher(Supplier<FeatureExtractor> extractor, ModelProperties limits, MeterRegistry meters, String backbone) {
        this.extractor = extractor;
        this.limits = limits;
        this.batchImages = DistributionSummary.builder("pastiche.scoring.batch").baseUnit("images").tag("backbone", backbone)
                .description("Images per forward pass of the scoring batcher").register(meters);
        Gauge.builder("pastiche.scoring.queued", this, ScoringBatcher::queued).tag("backbone", backbone)
                .description("Scoring requests waiting for a forward pass").register(meters);
        for (int i = 0; i < limits.maxConcurrent(); i++) {
            Thread thread = new Thread(this::loop, "pastiche-scoring-" + backbone + "-" + i);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
    }

    /**
     * Queues the images (all of {@code width} × {@code height}) and waits for {@code work} to run on
     * their taps; its exceptions are rethrown here.
     *
     * @throws ScoringQueueFullException when {@code max-queued} requests wait already
     */
    <T> T submit(List<RgbImage> images, Set<String> taps, Work<T> work) {
        Pending<T> pending = new Pending<>(new Key(images.get(0).width(), images.get(0).height(), Set.copyOf(taps)),
                List.copyOf(images), work);
        lock.lock();
        try {
            if (closed) {
                throw new ModelUnavailableException("the service is shutting down");
            }
            if (queue.size() >= limits.maxQueued()) {
                throw new ScoringQueueFullException(limits.maxQueued());
            }
            queue.add(pending);
            arrived.signal();
        } finally {
            lock.unlock();
        }
        try {
            return pending.result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for scoring", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    int queued() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    private void loop() {
        while (true) {
            List<Pending<?>> batch;
            try {
                batch = next();
            } catch (InterruptedException e) {
                return;
            }
            if (batch == null) {
                return;
            }
            compute(batch);
        }
    }

    /** The oldest request and every queued one like it, up to {@code max-batch-pixels}; null once closed. */
    private List<Pending<?>> next() throws InterruptedException {
        lock.lock();
        try {
            while (queue.isEmpty() && !closed) {
                arrived.await();
            }
            if (closed) {
                return null;
            }
            Pending<?> first = queue.poll();
            long limit = limits.batchPixels(extractor.get().device().isGpu());
            List<Pending<?>> batch = new ArrayList<>(List.of(first));
            long pixels = first.pixels();
            long deadline = System.nanoTime() + limits.batchWindow().toNanos();
            while (true) {
                pixels = gather(batch, first.key, pixels, limit);
                long left = deadline - System.nanoTime();
                if (left <= 0 || pixels >= limit || closed) {
                    return batch;
                }
                arrived.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
    }

    private long gather(List<Pending<?>> batch, Key key, long pixels, long limit) {
        for (Iterator<Pending<?>> it = queue.iterator(); it.hasNext(); ) {
            Pending<?> candidate = it.next();
            if (candidate.key.equals(key) && pixels + candidate.pixels() <= limit) {
                batch.add(candidate);
                pixels += candidate.pixels();
                it.remove();
            }
        }
        return pixels;
    }

    private void compute(List<Pending<?>> batch) {
        try {
            FeatureExtractor model = extractor.get();
            List<RgbImage> images = new ArrayList<>();
            batch.forEach(p -> images.addAll(p.images));
            batchImages.record(images.size());
            try (NDManager scope = model.newScope()) {
                Map<String, NDArray> taps = model.taps(ImageTensors.batch(scope, images.toArray(RgbImage[]::new)),
                        batch.get(0).key.taps());
                int offset = 0;
                for (Pending<?> pending : batch) {
                    pending.run(batch.size() == 1 ? taps : slice(taps, offset, pending.images.size()));
                    offset += pending.images.size();
                }
            }
            batch.forEach(Pending::finish);
        } catch (Throwable e) {
            batch.forEach(p -> p.result.completeExceptionally(e));
        }
    }

    private static Map<String, NDArray> slice(Map<String, NDArray> taps, int offset, int n) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        taps.forEach((name, tap) -> out.put(name, tap.get(new NDIndex("{}:{}", offset, offset + n))));
        return out;
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            queue.forEach(p -> p.result.completeExceptionally(new ModelUnavailableException("the service is shutting down")));
            queue.clear();
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
        for (Thread thread : threads) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
