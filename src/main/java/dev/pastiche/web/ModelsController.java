package dev.pastiche.web;

import dev.pastiche.classify.ImageNetClassifier;
import dev.pastiche.perception.Lpips;
import dev.pastiche.perception.Metric;
import dev.pastiche.perception.ModelInfo;
import dev.pastiche.perception.PerceptionModel;
import dev.pastiche.vgg.VggArchitecture;
import dev.pastiche.vgg.VggVariant;
import dev.pastiche.vgg.weights.WeightsInfo;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.Arrays;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The VGG family made visible: the variants, the extractor in use, and each variant's architecture table. */
@Tag(name = "models", description = "The VGG variants, the extractor in use, and architecture tables")
@RestController
@RequestMapping("/v1/models")
class ModelsController {

    /** Larger inputs make no table a person reads; they only cost time. */
    static final int MAX_INPUT = 16384;

    /** The widest convolution the stacking comparison may be asked for. */
    static final int MAX_STACK_CHANNELS = 4096;

    private final PerceptionModel model;
    private final Lpips lpips;
    private final ImageNetClassifier classifier;

    ModelsController(PerceptionModel model, Lpips lpips, ImageNetClassifier classifier) {
        this.model = model;
        this.lpips = lpips;
        this.classifier = classifier;
    }

    record VariantSummary(String name, boolean batchNorm, int convLayers, int fcLayers, long parameters) {
    }

    record Extractor(String variant, String device, String contentLayer, List<String> styleLayers, WeightsInfo weights, boolean ready) {
    }

    /** A metric, whether it can be computed here, on which network, and if not why. */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    record MetricAvailability(String name, boolean available, String backbone, String reason) {
    }

    /** @param state loaded, unavailable (with the reason) or not-loaded (random weights before first use, or a file still loading) */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    @Schema(name = "ClassifierState")
    record ClassifierView(String state, String keys, String reason) {
    }

    record ModelsResponse(List<VariantSummary> variants, Extractor extractor, List<MetricAvailability> metrics, ClassifierView classifier) {
    }

    record Input(int channels, int height, int width) {
    }

    record LayerRow(String name, String type, Integer torchvisionIndex, String torchvisionName, Integer kernel, Integer stride,
            Integer padding, List<Integer> outputShape, Integer receptiveField, long parameters, long flops) {
    }

    /** n stacked 3×3 convolutions of {@code channels} channels against one (2n+1)² convolution (the paper's §2.3). */
    record StackingView(int channels, List<VggArchitecture.Stacking> comparisons) {
    }

    record Totals(long parameters, long convParameters, long fcParameters) {
    }

    /**
     * @param flops for one image of the input size: 2 per multiply-add of the convolutions and linear layers
     * @param blocks each block's (and the classifier's) share of the parameters and FLOPs
     */
    record ArchitectureResponse(String name, Input input, List<LayerRow> layers, Totals totals, long flops,
            List<VggArchitecture.Block> blocks, StackingView stacking) {
    }

    @Operation(operationId = "listModels", summary = "List the VGG variants and describe the extractor in use")
    @GetMapping
    ModelsResponse models() {
        List<VariantSummary> variants = Arrays.stream(VggVariant.values())
                .map(v -> new VariantSummary(v.id(), v.batchNorm(), v.convLayers(), v.fcLayers(),
                        VggArchitecture.of(v, 224, 224).totals().parameters()))
                .toList();
        ModelInfo info = model.info();
        List<MetricAvailability> metrics = new java.util.ArrayList<>();
        for (Metric metric : Metric.DEFAULT) {
            metrics.add(new MetricAvailability(metric.label(), info.ready(), info.variant().id(), info.ready() ? null : model.unavailableReason()));
        }
        metrics.add(new MetricAvailability(Metric.LPIPS.label(), lpips.available(), "vgg16 (LPIPS v0.1)", lpips.unavailableReason()));
        ImageNetClassifier.Status status = classifier.status();
        return new ModelsResponse(variants, new Extractor(info.variant().id(), info.device(), info.contentLayer(),
                info.styleLayers(), info.weights(), info.ready()), metrics,
                new ClassifierView(status.state(), status.keys(), info.ready() ? status.reason() : model.unavailableReason()));
    }

    @Operation(operationId = "getModelArchitecture", summary = "The architecture table of a variant for an input size",
            description = "Every layer with its torchvision index, output shape, receptive field (r += (k − 1)·j; j *= s) "
                    + "and parameter count. Taps (blockB_convC) are the outputs of the ReLU after each convolution. "
                    + "receptiveField is null for the classifier layers, which see the whole input. flops: 2 per multiply-add of "
                    + "the convolutions and linear layers for one image of this size (biases, ReLUs and pools left out); blocks: "
                    + "each block's and the classifier's share of parameters and FLOPs; stacking: n stacked 3×3 convolutions of "
                    + "stackChannels channels against one (2n+1)×(2n+1), in weights and ReLUs (the paper's §2.3).")
    @GetMapping("/{variant}")
    ArchitectureResponse architecture(
            @Parameter(description = "vgg11, vgg13, vgg16, vgg19 or one of them with _bn") @PathVariable String variant,
            @Parameter(schema = @Schema(type = "integer", format = "int32", minimum = "" + VggArchitecture.MIN_INPUT, maximum = "" + MAX_INPUT, defaultValue = "224"))
            @RequestParam(defaultValue = "224") int height,
            @Parameter(schema = @Schema(type = "integer", format = "int32", minimum = "" + VggArchitecture.MIN_INPUT, maximum = "" + MAX_INPUT, defaultValue = "224"))
            @RequestParam(defaultValue = "224") int width,
            @Parameter(description = "channels C of the 3×3-stacking comparison (in and out)",
                    schema = @Schema(type = "integer", format = "int32", minimum = "1", maximum = "" + MAX_STACK_CHANNELS, defaultValue = "512"))
            @RequestParam(defaultValue = "512") int stackChannels) {
        VggVariant v = VggVariant.find(variant).orElseThrow(() -> new ApiProblemException(ProblemType.NOT_FOUND,
                "there is no variant '" + variant + "'; use one of "
                        + String.join(", ", Arrays.stream(VggVariant.values()).map(VggVariant::id).toList())));
        checkSize("height", height);
        checkSize("width", width);
        if (stackChannels < 1 || stackChannels > MAX_STACK_CHANNELS) {
            throw ApiProblemException.invalidField("stackChannels", "must be between 1 and " + MAX_STACK_CHANNELS + ", got " + stackChannels);
        }
        VggArchitecture.Table table = VggArchitecture.of(v, height, width);
        List<LayerRow> layers = table.layers().stream()
                .map(l -> new LayerRow(l.name(), l.kind().label(), l.torchvisionIndex(), l.torchvisionName(), l.kernel(), l.stride(),
                        l.padding(), l.outputShape(), l.receptiveField(), l.parameters(), l.flops()))
                .toList();
        VggArchitecture.Totals t = table.totals();
        int deepestStack = table.blocks().stream().mapToInt(b -> (int) b.layers().stream().filter(n -> n.contains("_conv")).count()).max().orElse(1);
        return new ArchitectureResponse(v.id(), new Input(table.channels(), height, width), layers,
                new Totals(t.parameters(), t.convParameters(), t.fcParameters()), table.flops(), table.blocks(),
                new StackingView(stackChannels, VggArchitecture.stacking(stackChannels, deepestStack)));
    }

    private static void checkSize(String field, int value) {
        if (value < VggArchitecture.MIN_INPUT || value > MAX_INPUT) {
            throw ApiProblemException.invalidField(field, "must be between " + VggArchitecture.MIN_INPUT
                    + " (five 2×2 pools need it) and " + MAX_INPUT + ", got " + value);
        }
    }
}
