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
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The process's one frozen extractor, loaded at start-up on the GPU when there is one. When
 * pretrained weights are required and missing it holds no extractor but the reason, so the service
 * still starts and can say exactly what to provide.
 */
@Component
public class PerceptionModel implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PerceptionModel.class);

    private final VggVariant variant;
    private final String contentLayer;
    private final List<String> styleLayers;
    private final Device device;
    private final FeatureExtractor extractor;
    private final String unavailable;

    public PerceptionModel(ModelProperties model, WeightsProperties weights, MeterRegistry meters) {
        this.variant = model.variant();
        this.contentLayer = model.contentLayer();
        this.styleLayers = List.copyOf(model.styleLayers());
        // fail fast on layer names the variant does not have
        variant.tapIndex(contentLayer);
        styleLayers.forEach(variant::tapIndex);
        this.device = Engine.getEngine("PyTorch").defaultDevice();
        long start = System.nanoTime();
        FeatureExtractor loaded = null;
        String reason = null;
        try {
            loaded = FeatureExtractor.load(variant, new WeightsLoader(weights), device);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            Timer.builder("pastiche.model.load").description("Time to build the extractor and load its weights")
                    .register(meters).record(took);
            log.info("VGG extractor {} ready on {} in {} ms (weights: {})", variant.id(), deviceName(device),
                    took.toMillis(), loaded.weights());
        } catch (WeightsUnavailableException e) {
            reason = e.getMessage();
            log.error("Model unavailable; readiness is DOWN until weights are provided. {}", reason);
        }
        this.extractor = loaded;
        this.unavailable = reason;
    }

    public ModelInfo info() {
        return new ModelInfo(variant, deviceName(device), contentLayer, styleLayers,
                extractor == null ? null : extractor.weights(), extractor != null);
    }

    public boolean ready() {
        return extractor != null;
    }

    /** Why the model cannot serve, or null when it can. */
    public String unavailableReason() {
        return unavailable;
    }

    public VggVariant variant() {
        return variant;
    }

    public String contentLayer() {
        return contentLayer;
    }

    public List<String> styleLayers() {
        return styleLayers;
    }

    /** The extractor, for the numeric packages; throws {@link ModelUnavailableException} while there is none. */
    public FeatureExtractor extractor() {
        if (extractor == null) {
            throw new ModelUnavailableException(unavailable);
        }
        return extractor;
    }

    static String deviceName(Device device) {
        return device.isGpu() ? "gpu:" + device.getDeviceId() : "cpu";
    }

    @Override
    public void close() {
        if (extractor != null) {
            extractor.close();
        }
    }
}
