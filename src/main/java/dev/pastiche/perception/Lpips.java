package dev.pastiche.perception;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.pastiche.vgg.VggVariant;
import dev.pastiche.vgg.weights.LoadedWeights;
import dev.pastiche.vgg.weights.WeightsInfo;
import dev.pastiche.vgg.weights.WeightsLoader;
import dev.pastiche.vgg.weights.WeightsProperties;
import dev.pastiche.vgg.weights.WeightsSource;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * LPIPS v0.1 on VGG16 exactly as published (Zhang et al., "The Unreasonable Effectiveness of Deep
 * Features as a Perceptual Metric", CVPR 2018; richzhang/PerceptualSimilarity): the image mapped to
 * [−1, 1] and through the scaling layer, five VGG16 taps, each unit-normalised over channels, their
 * squared difference weighted per channel by the learned non-negative 1×1 weights, averaged over
 * positions and summed over the taps. Its own VGG16 beside the VGG19 extractor, loaded in the
 * background when both files are configured.
 */
@Component
public class Lpips implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Lpips.class);
    /** The taps, as this project names VGG16's layers: relu1_2, relu2_2, relu3_3, relu4_3, relu5_3. */
    static final List<String> TAPS = List.of("block1_conv2", "block2_conv2", "block3_conv3", "block4_conv3", "block5_conv3");
    static final java.util.Set<String> TAP_SET = java.util.Set.copyOf(TAPS);
    /** The taps as LPIPS names them. */
    public static final List<String> NAMES = List.of("relu1_2", "relu2_2", "relu3_3", "relu4_3", "relu5_3");
    static final int[] CHANNELS = {64, 128, 256, 512, 512};
    /** The scaling layer's shift and scale of the [−1, 1] input (lpips.pretrained_networks.ScalingLayer). */
    static final float[] SHIFT = {-0.030f, -0.088f, -0.188f};
    static final float[] SCALE = {0.458f, 0.448f, 0.450f};
    static final String UNAVAILABLE = "the lpips metric needs its files: set pastiche.lpips.backbone-path (VGG16's weights, "
            + "torchvision key names) and pastiche.lpips.weights-path (LPIPS v0.1's linear layers, lpips key names), "
            + "safetensors, npz or torch.save's .pth (torchvision's vgg16-397923af.pth and the lpips package's weights/v0.1/vgg.pth "
            + "as they are), or let pastiche.lpips.source=auto download both where the network allows; the README shows how";

    /** What loading produced: the network and its linear weights, or why there are none. */
    private record Loaded(FeatureExtractor extractor, NDArray[] weights, WeightsInfo linear, String unavailable) {
    }

    private final CompletableFuture<Loaded> loading = new CompletableFuture<>();

    @Autowired
    public Lpips(LpipsProperties properties, WeightsProperties weights) {
        this(properties, weights.cacheDir(), weights.connectTimeout());
    }

    /** LPIPS from the two files only. */
    public Lpips(LpipsProperties properties) {
        this(properties, null, Duration.ofSeconds(10));
    }

    private Lpips(LpipsProperties properties, Path cacheDir, Duration connectTimeout) {
        if (properties.filesOnlyAndMissing() || cacheDir == null && (properties.backbonePath() == null || properties.weightsPath() == null)) {
            loading.complete(new Loaded(null, null, null, UNAVAILABLE));
            return;
        }
        Thread loader = new Thread(() -> {
            try {
                Path backbone = resolve(properties.backbonePath(), properties.backboneUrl(), cacheDir, connectTimeout,
                        properties.backboneSha256(), null, "pastiche.lpips.backbone-path");
                Path linear = resolve(properties.weightsPath(), properties.weightsUrl(), cacheDir, connectTimeout,
                        properties.weightsSha256(), properties.weightsMd5(), "pastiche.lpips.weights-path");
                loading.complete(load(backbone, linear));
            } catch (RuntimeException | Error e) {
                // an Error too: a future never completed would hold every lpips request forever
                log.error("LPIPS unavailable: {}", e.getMessage());
                loading.complete(new Loaded(null, null, null, "the lpips files could not be loaded (" + e.getMessage() + "); "
                        + UNAVAILABLE));
            }
        }, "pastiche-lpips-load");
        loader.setDaemon(true);
        loader.start();
    }

    /** The configured file, else the cached or fresh download of {@code url} (source {@code auto}). */
    private static Path resolve(Path configured, URI url, Path cacheDir, Duration connectTimeout, String sha256, String md5,
            String property) {
        if (configured != null) {
            return configured;
        }
        try {
            return WeightsLoader.fetch(url, cacheDir, connectTimeout, sha256, md5);
        } catch (IOException | RuntimeException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new IllegalStateException(property + " is not set and its download from " + url + " failed: " + why, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while downloading " + url, e);
        }
    }

    private static Loaded load(Path backbonePath, Path weightsPath) {
        var device = Engine.getEngine("PyTorch").defaultDevice();
        float[] mean = new float[3];
        float[] std = new float[3];
        for (int c = 0; c < 3; c++) {
            // (x − mean) / std of the [0, 1] image is (2x − 1 − shift) / scale
            mean[c] = (1 + SHIFT[c]) / 2;
            std[c] = SCALE[c] / 2;
        }
        FeatureExtractor extractor = FeatureExtractor.load(VggVariant.VGG16, new WeightsLoader(file(backbonePath)), device,
                mean, std);
        Map<String, Shape> required = new LinkedHashMap<>();
        for (int l = 0; l < CHANNELS.length; l++) {
            required.put(key(l), new Shape(1, CHANNELS[l], 1, 1));
        }
        NDArray[] weights = new NDArray[CHANNELS.length];
        LoadedWeights linear;
        try {
            linear = new WeightsLoader(file(weightsPath)).load(required, extractor.newScope());
            for (int l = 0; l < CHANNELS.length; l++) {
                NDArray w = linear.tensors().get(key(l));
                if (w.lt(0).any().getBoolean()) {
                    throw new IllegalArgumentException(key(l) + " has negative weights; LPIPS's are non-negative");
                }
                weights[l] = w.reshape(CHANNELS[l], 1, 1);
            }
        } catch (RuntimeException e) {
            // the backbone loaded: it must not stay resident for a metric that is unavailable
            extractor.close();
            throw e;
        }
        log.info("LPIPS v0.1 ready (VGG16 from {}, linear layers from {})", backbonePath, weightsPath);
        return new Loaded(extractor, weights, linear.weightsInfo(), null);
    }

    private static String key(int layer) {
        return "lin" + layer + ".model.1.weight";
    }

    private static WeightsProperties file(Path path) {
        return new WeightsProperties(WeightsSource.FILE, true, path, URI.create("file:///"), null, path.getParent(), 0, Duration.ofSeconds(1));
    }

    private Loaded loaded() {
        return loading.join();
    }

    public boolean available() {
        return loaded().extractor() != null;
    }

    /** Why {@code lpips} cannot be computed, or null when it can. */
    public String unavailableReason() {
        return loaded().unavailable();
    }

    /** VGG16 with LPIPS's input scaling; throws {@link ModelUnavailableException} without the files. */
    FeatureExtractor extractor() {
        Loaded loaded = loaded();
        if (loaded.extractor() == null) {
            throw new ModelUnavailableException(loaded.unavailable());
        }
        return loaded.extractor();
    }

    /** Where the backbone's and the linear layers' weights came from, with their SHA-256. */
    public List<WeightsInfo> weights() {
        Loaded loaded = loaded();
        List<WeightsInfo> out = new ArrayList<>();
        if (loaded.extractor() != null) {
            out.add(loaded.extractor().weights());
            out.add(loaded.linear());
        }
        return out;
    }

    /**
     * One tap's per-position distance of a pair (C, H, W each, unit-normalised): Σ_c w_c (âc − b̂c)²,
     * (H, W); its mean over positions is the tap's share of LPIPS.
     */
    NDArray layerMap(int layer, NDArray unitA, NDArray unitB) {
        return unitA.sub(unitB).square().mul(loaded().weights()[layer]).sum(new int[] {0});
    }

    @Override
    public void close() {
        Loaded loaded = loading.getNow(null);
        if (loaded != null && loaded.extractor() != null) {
            loaded.extractor().close();
        }
    }
}
