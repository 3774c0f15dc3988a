package dev.pastiche.vgg.weights;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link WeightsInfo} of loaded weights, whose SHA-256 may still be pending. A digest that is
 * only reported (no {@code pastiche.weights.sha256} to check) is computed on its own thread once
 * {@link #start()} is called after start-up or when first asked for: hashing VGG19's 548 MB cost a
 * start on two cores about 0.7 s, and nothing needs it before the first response.
 */
public final class WeightsDigest {

    private static final Logger log = LoggerFactory.getLogger(WeightsDigest.class);

    private final CompletableFuture<WeightsInfo> info = new CompletableFuture<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private final String source;
    private final boolean pretrained;
    private final Path path;

    private WeightsDigest(String source, boolean pretrained, Path path) {
        this.source = source;
        this.pretrained = pretrained;
        this.path = path;
    }

    static WeightsDigest known(WeightsInfo info) {
        return known(info, null);
    }

    /** Weights whose info is complete now, read from {@code path} (null for random ones). */
    static WeightsDigest known(WeightsInfo info, Path path) {
        WeightsDigest digest = new WeightsDigest(info.source(), info.pretrained(), path);
        digest.started.set(true);
        digest.info.complete(info);
        return digest;
    }

    /** A file's weights, pretrained, whose digest is computed later. */
    static WeightsDigest deferred(String source, Path path) {
        return new WeightsDigest(source, true, path);
    }

    /** {@code file}, {@code download} or {@code random}, without waiting for the digest. */
    public String source() {
        return source;
    }

    public boolean pretrained() {
        return pretrained;
    }

    /** Begins hashing in the background, once. */
    public void start() {
        if (!started.compareAndSet(false, true)) {
            return;
        }
        Thread thread = new Thread(() -> {
            String sha256 = null;
            try {
                sha256 = Sha256.of(path);
                log.info("SHA-256 of {}: {}", path, sha256);
            } catch (Exception e) {
                log.error("Cannot hash the weights file {}: {}; they are reported without a SHA-256", path, e.getMessage());
            } finally {
                info.complete(new WeightsInfo(source, pretrained, sha256, null));
            }
        }, "pastiche-weights-sha256");
        thread.setDaemon(true);
        thread.start();
    }

    /** The complete info; starts the digest if need be and waits for it. */
    public WeightsInfo get() {
        start();
        return info.join();
    }

    /** The file the weights were read from; null for random ones. */
    Path file() {
        return path;
    }

    public boolean isDone() {
        return info.isDone();
    }
}
