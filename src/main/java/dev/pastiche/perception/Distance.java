package dev.pastiche.perception;

import java.util.Map;

/**
 * The distances between two images; a metric that was not asked for is null.
 *
 * @param layers per tap, in network order: the terms that add up to the totals
 */
public record Distance(Double content, Double style, Double features, int width, int height,
        Map<String, LayerDistance> layers, ModelInfo model) {

    public record LayerDistance(Double content, Double style, Double features) {
    }
}
