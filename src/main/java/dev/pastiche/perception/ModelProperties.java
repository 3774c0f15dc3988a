package dev.pastiche.perception;

import dev.pastiche.vgg.UnknownLayerException;
import dev.pastiche.vgg.VggVariant;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The frozen extractor ({@code pastiche.model.*}). Layer defaults are Gatys et al. (2016): content
 * at block4_conv2, style at the first convolution of every block.
 *
 * @param maxConcurrent threads computing scoring batches (each batch one forward pass); one keeps a
 *     CPU's cores in one OpenMP team and its memory warm, and batching still overlaps the waiting
 * @param maxQueued scoring requests that may wait for a forward pass; more are refused with 503 {@code queue-full}
 * @param batchWindow how long a forward waits for more requests of its size to batch with; requests
 *     that arrive while one computes are batched anyway, so 0 suits a CPU, a few ms a GPU
 * @param maxBatchPixels pixels in one batch (the sum over its images); a larger request still runs,
 *     alone. Unset: {@value #CPU_BATCH_PIXELS} (one 224² pair) on a CPU, where larger batches measured
 *     slower per image (the activations outgrow the caches), {@value #GPU_BATCH_PIXELS} on a GPU, where a
 *     batch of 8 pairs ran 2.6× the pairs/s of one
 */
@Validated
@ConfigurationProperties("pastiche.model")
public record ModelProperties(
        @DefaultValue("vgg19") @NotNull VggVariant variant,
        @DefaultValue("block4_conv2") @NotNull String contentLayer,
        @DefaultValue({"block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1"}) @NotEmpty List<String> styleLayers,
        @DefaultValue("1") @Positive int maxConcurrent,
        @DefaultValue("64") @Positive int maxQueued,
        @DefaultValue("0ms") @NotNull Duration batchWindow,
        @Positive Long maxBatchPixels) {

    static final long CPU_BATCH_PIXELS = 2L * 224 * 224;
    static final long GPU_BATCH_PIXELS = 1L << 21;

    /** The batching defaults, for code that builds a model outside Spring. */
    public ModelProperties(VggVariant variant, String contentLayer, List<String> styleLayers, int maxConcurrent) {
        this(variant, contentLayer, styleLayers, maxConcurrent, 64, Duration.ZERO, null);
    }

    /** Why {@code tap} is not a layer of this variant (naming the ones that are), or null when it is. */
    public String tapProblem(String tap) {
        try {
            variant.tapIndex(tap);
            return null;
        } catch (UnknownLayerException e) {
            return e.getMessage();
        }
    }

    /** The batch limit: the configured one, else the default measured for the device. */
    long batchPixels(boolean gpu) {
        return maxBatchPixels != null ? maxBatchPixels : gpu ? GPU_BATCH_PIXELS : CPU_BATCH_PIXELS;
    }

    @ConstructorBinding
    public ModelProperties {
    }
}
