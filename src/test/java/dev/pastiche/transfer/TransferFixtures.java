package dev.pastiche.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.pastiche.image.ImageDecoder;
import dev.pastiche.perception.Losses;
import tools.jackson.databind.JsonNode;
import dev.pastiche.image.ImageProperties;
import dev.pastiche.image.Mask;
import dev.pastiche.image.RgbImage;
import dev.pastiche.perception.ModelProperties;
import dev.pastiche.perception.PerceptionModel;
import dev.pastiche.vgg.VggFeatures;
import dev.pastiche.vgg.VggVariant;
import dev.pastiche.vgg.weights.ReferenceWeights;
import dev.pastiche.vgg.weights.WeightsProperties;
import dev.pastiche.vgg.weights.WeightsSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.springframework.util.unit.DataSize;

/** Models, engines and images for the transfer tests. */
final class TransferFixtures {

    static final List<String> STYLE = List.of("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1");
    static final TransferProperties LIMITS = new TransferProperties(2048, 5000, 8, DataSize.ofGigabytes(8));

    private TransferFixtures() {
    }

    static ModelProperties vgg19() {
        return new ModelProperties(VggVariant.VGG19, "block4_conv2", STYLE, 2);
    }

    /** VGG19 on the reference formula's weights, loaded from a safetensors file. */
    static PerceptionModel formulaModel(Path dir) throws IOException {
        List<String> taps = VggVariant.VGG19.tapNames();
        Path file = ReferenceWeights.writeFormula(dir.resolve("vgg19-formula.safetensors"),
                VggFeatures.upTo(VggVariant.VGG19, taps.get(taps.size() - 1)).torchvisionShapes());
        return new PerceptionModel(vgg19(), ReferenceWeights.file(file), new SimpleMeterRegistry());
    }

    /** VGG19 on make_engine_fixtures.py's seeded He-uniform weights, loaded from a safetensors file. */
    static PerceptionModel seededModel(Path dir, long seed) throws IOException {
        List<String> taps = VggVariant.VGG19.tapNames();
        Path file = ReferenceWeights.writeSeeded(dir.resolve("vgg19-seeded-" + seed + ".safetensors"),
                VggFeatures.upTo(VggVariant.VGG19, taps.get(taps.size() - 1)).torchvisionShapes(), seed);
        return new PerceptionModel(vgg19(), ReferenceWeights.file(file), new SimpleMeterRegistry());
    }

    static PerceptionModel randomModel(Path dir) {
        WeightsProperties random = ReferenceWeights.properties(WeightsSource.RANDOM, null, false, dir, null);
        return new PerceptionModel(vgg19(), random, new SimpleMeterRegistry());
    }

    static StyleTransferEngine engine(PerceptionModel model) {
        return engine(model, LIMITS);
    }

    static StyleTransferEngine engine(PerceptionModel model, TransferProperties limits) {
        return new StyleTransferEngine(model, limits, new SimpleMeterRegistry());
    }

    /** A request as a job makes it: the options resolved once, by the engine that runs them. */
    static TransferRequest request(StyleTransferEngine engine, RgbImage content, List<RgbImage> styles, TransferOptions options) {
        return request(engine, content, styles, List.of(), options);
    }

    /** {@link #request(StyleTransferEngine, RgbImage, List, TransferOptions)} with one mask per style. */
    static TransferRequest request(StyleTransferEngine engine, RgbImage content, List<RgbImage> styles, List<Mask> masks,
            TransferOptions options) {
        return new TransferRequest(content, styles, masks, engine.resolve(options, styles.size(), !masks.isEmpty()));
    }

    /**
     * Total, style and TV of a run against a torch fixture's, to a relative {@code relative}; the
     * content term by its weighted contribution relative to the total, since the light content
     * weights the fixtures use leave it small.
     */
    static void assertLosses(String what, Losses actual, JsonNode want, double contentWeight, double relative) {
        assertThat(actual).as(what).isNotNull();
        double total = want.get("total").asDouble();
        assertThat(actual.total()).as(what + " total").isCloseTo(total, within(relative * total));
        assertThat(actual.style()).as(what + " style").isCloseTo(want.get("style").asDouble(), within(relative * want.get("style").asDouble()));
        assertThat(actual.tv()).as(what + " tv").isCloseTo(want.get("tv").asDouble(), within(relative * want.get("tv").asDouble()));
        assertThat(contentWeight * actual.content()).as(what + " weighted content")
                .isCloseTo(contentWeight * want.get("content").asDouble(), within(relative * total));
    }

    static RgbImage resource(String name) {
        try (InputStream in = TransferFixtures.class.getResourceAsStream("/reference/" + name)) {
            return new ImageDecoder(new ImageProperties(1 << 20)).decode(in.readAllBytes(), name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A mask from the reference fixtures, decoded as the service decodes an uploaded one. */
    static Mask mask(String name) {
        try (InputStream in = TransferFixtures.class.getResourceAsStream("/reference/" + name)) {
            return new ImageDecoder(new ImageProperties(1 << 20)).decodeMask(in.readAllBytes(), name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Smooth colour gradients plus seeded noise: a content-like image with real chrominance. */
    static RgbImage picture(int w, int h, long seed) {
        RgbImage image = RgbImage.blank(w, h);
        Random random = new Random(seed);
        int[] pixels = image.pixels();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int r = clamp(255 * x / w + random.nextInt(31) - 15);
                int g = clamp(255 * y / h + random.nextInt(31) - 15);
                int b = clamp(128 + (int) (100 * Math.sin((x + y + seed) / 5.0)));
                pixels[y * w + x] = (r << 16) | (g << 8) | b;
            }
        }
        return image;
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }
}
