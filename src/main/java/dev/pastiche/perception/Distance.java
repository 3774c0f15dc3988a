package dev.pastiche.perception;

import java.util.Map;

/**
 * The distances between two images; a metric that was not asked for is null.
 *
 * @param layers per tap, in network order: the terms that add up to the totals
 * @param lpips LPIPS v0.1, on its own VGG16
 * @param lpipsLayers LPIPS's terms per tap, by its names
 */
public record Distance(Double content, Double style, Double features, int width, int height,
        Map<String, LayerDistance> layers, ModelInfo model, Double lpips, Map<String, Double> lpipsLayers) {

    /** With LPIPS's total and its share per tap (by LPIPS's names, relu1_2 …). */
    Distance withLpips(double total, Map<String, Double> perTap) {
        return new Distance(content, style, features, width, height, layers, model, total, perTap);
    }

    public record LayerDistance(Double content, Double style, Double features) {
    }
}
