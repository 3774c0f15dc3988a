package dev.pastiche.perception;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.pastiche.vgg.VggVariant;
import dev.pastiche.vgg.weights.WeightsLoader;
import dev.pastiche.vgg.weights.WeightsProperties;
import dev.pastiche.vgg.weights.WeightsUnavailableException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.BeanInitializationException;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * The process's one frozen extractor, loaded at start-up on the GPU when there is one, on its own
 * thread while the rest of the context starts; start-up waits for it before serving. When
 * pretrained weights are required and missing it holds no extractor but the reason, so the service
 * still starts and can say exactly what to provide.
 */
@Component
public class PerceptionModel implements AutoCloseable, SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(PerceptionModel.class);

    /** What loading produced: an extractor, or the reason there is none. */
    private record Loaded(Device device, FeatureExtractor extractor, String unavailable) {
    }

    private final ModelProperties properties;
    private final VggVariant variant;
    private final String contentLayer;
    private final List<String> styleLayers;
    private final CompletableFuture<Loaded> loading;

    public PerceptionModel(ModelProperties model, WeightsProperties weights, MeterRegistry meters) {
        this.properties = model;
        this.variant = model.variant();
        this.contentLayer = model.contentLayer();
        this.styleLayers = List.copyOf(model.styleLayers());
        // fail fast on layer names the variant does not have
        variant.tapIndex(contentLayer);
        styleLayers.forEach(variant::tapIndex);
        // loading PyTorch and the weights takes seconds: do it beside the rest of start-up
        this.loading = new CompletableFuture<>();
        Thread loader = new Thread(() -> {
            try {
                loading.complete(load(weights, meters));
            } catch (Throwable e) {
                loading.completeExceptionally(e);
            }
        }, "pastiche-model-load");
        loader.setDaemon(true);
        loader.start();
    }

    private Loaded load(WeightsProperties weights, MeterRegistry meters) {
        Device device = Engine.getEngine("PyTorch").defaultDevice();
        long start = System.nanoTime();
        try {
            FeatureExtractor loaded = FeatureExtractor.load(variant, new WeightsLoader(weights), device);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            Timer.builder("pastiche.model.load").description("Time to build the extractor and load its weights")
                    .register(meters).record(took);
            log.info("VGG extractor {} ready on {} in {} ms (weights: {})", variant.id(), deviceName(device),
                    took.toMillis(), loaded.weightsSource());
            return new Loaded(device, loaded, null);
        } catch (WeightsUnavailableException e) {
            log.error("Model unavailable; readiness is DOWN until weights are provided. {}", e.getMessage());
            return new Loaded(device, null, e.getMessage());
        }
    }

    /** Start-up waits here for the model, and fails as it would have had it loaded in line. */
    @Override
    public void afterSingletonsInstantiated() {
        try {
            loaded();
        } catch (RuntimeException e) {
            throw new BeanInitializationException("the VGG model could not be loaded: " + e.getMessage(), e);
        }
    }

    /** The weights' digest is only reported, so it is computed once the service is up rather than before. */
    @EventListener(ApplicationReadyEvent.class)
    public void startDigest() {
        FeatureExtractor extractor = loaded().extractor();
        if (extractor != null) {
            extractor.startDigest();
        }
    }

    private Loaded loaded() {
        try {
            return loading.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            if (e.getCause() instanceof Error cause) {
                throw cause;
            }
            throw e;
        }
    }

    public ModelInfo info() {
        Loaded loaded = loaded();
        return new ModelInfo(variant, deviceName(loaded.device()), contentLayer, styleLayers,
                loaded.extractor() == null ? null : loaded.extractor().weights(), loaded.extractor() != null);
    }

    /** {@code cpu} or {@code gpu:N}. */
    public String device() {
        return deviceName(loaded().device());
    }

    /**
     * The source of untrained weights every response must name, or null when the weights are
     * pretrained or absent; unlike {@link #info()} it never waits for the weights' digest.
     */
    public String untrainedSource() {
        FeatureExtractor extractor = loaded().extractor();
        return extractor == null || extractor.pretrained() ? null : extractor.weightsSource();
    }

    public boolean ready() {
        return loaded().extractor() != null;
    }

    /** Why the model cannot serve, or null when it can. */
    public String unavailableReason() {
        return loaded().unavailable();
    }

    public VggVariant variant() {
        return variant;
    }

    /** The network and its default layers, as configured. */
    public ModelProperties properties() {
        return properties;
    }

    /**
     * What besides the inputs and options decides a numeric result: the network and its weights,
     * the device and PyTorch's version. Recorded with every finished job.
     */
    public Map<String, Object> environment() {
        ModelInfo info = info();
        Map<String, Object> environment = new LinkedHashMap<>();
        environment.put("variant", info.variant().id());
        environment.put("weights", info.weights());
        environment.put("device", info.device());
        environment.put("pytorch", Engine.getEngine("PyTorch").getVersion());
        return environment;
    }

    public String contentLayer() {
        return contentLayer;
    }

    public List<String> styleLayers() {
        return styleLayers;
    }

    /** The extractor, for the numeric packages; throws {@link ModelUnavailableException} while there is none. */
    public FeatureExtractor extractor() {
        Loaded loaded = loaded();
        if (loaded.extractor() == null) {
            throw new ModelUnavailableException(loaded.unavailable());
        }
        return loaded.extractor();
    }

    static String deviceName(Device device) {
        return device.isGpu() ? "gpu:" + device.getDeviceId() : "cpu";
    }

    @Override
    public void close() {
        Loaded loaded;
        try {
            loaded = loaded();
        } catch (RuntimeException failedToLoad) {
            return;
        }
        if (loaded.extractor() != null) {
            loaded.extractor().close();
        }
    }
}
