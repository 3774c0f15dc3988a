package dev.pastiche.perception;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What produced a score, carried by every scoring answer so that a number read later can be
 * reproduced or compared with a paper's: the network and its weights, the taps each metric reads,
 * the input's range and normalisation, and how images of different sizes were handled.
 *
 * @param taps per metric asked for, the taps it reads
 * @param resize the resize policy this answer applied
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MetricCard(String backbone, Map<String, List<String>> taps, String input, String normalisation, String resize,
        String weightsSource, boolean pretrained, String weightsSha256, LpipsCard lpips) {

    /** The published LPIPS's own network, input mapping and weights. */
    public record LpipsCard(String version, String backbone, List<String> taps, String normalisation, String backboneSha256,
            String linearSha256) {
    }

    /** ImageNet's statistics, as torchvision's VGGs were trained with. */
    static final String IMAGENET = "per channel (x − mean) / std, mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225)";

    /** The card of {@code metrics} on {@code model}'s extractor. */
    public static MetricCard of(ModelInfo model, Set<Metric> metrics, String resize, Lpips lpips) {
        Map<String, List<String>> taps = new LinkedHashMap<>();
        for (Metric metric : Metric.values()) {
            if (metrics.contains(metric) && metric != Metric.LPIPS) {
                taps.put(metric.label(), metric == Metric.CONTENT ? List.of(model.contentLayer()) : model.styleLayers());
            }
        }
        LpipsCard lpipsCard = null;
        if (metrics.contains(Metric.LPIPS) && lpips.available()) {
            taps.put(Metric.LPIPS.label(), Lpips.NAMES);
            List<dev.pastiche.vgg.weights.WeightsInfo> weights = lpips.weights();
            lpipsCard = new LpipsCard("0.1", "vgg16 (torchvision layout)", Lpips.NAMES,
                    "2x − 1, then per channel (x − shift) / scale, shift (−0.030, −0.088, −0.188), scale (0.458, 0.448, 0.450); "
                            + "each tap unit-normalised over channels (+1e-10), weighted per channel, averaged over positions",
                    weights.get(0).sha256(), weights.get(1).sha256());
        }
        return new MetricCard(model.variant().id() + " (torchvision layout, convolutional layers)", taps,
                "RGB, 8-bit sRGB values / 255, in [0, 1]; EXIF orientation applied, alpha composited over white", IMAGENET, resize,
                model.weights() == null ? null : model.weights().source(), model.weights() != null && model.weights().pretrained(),
                model.weights() == null ? null : model.weights().sha256(), lpipsCard);
    }
}
