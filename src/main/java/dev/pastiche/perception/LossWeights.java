package dev.pastiche.perception;

import java.util.List;

/**
 * The weights of API.md's style-transfer loss: {@code contentWeight·content + styleWeight·style +
 * tvWeight·tv}, with style = Σ_layers styleLayerWeights_l · term_l against the targets blended by
 * {@code styleWeights}.
 *
 * @param styleWeights one per style image, summing to 1
 * @param styleLayerWeights one per style layer
 */
public record LossWeights(double contentWeight, double styleWeight, double tvWeight, List<Double> styleWeights,
        List<Double> styleLayerWeights) {

    public LossWeights {
        styleWeights = List.copyOf(styleWeights);
        // empty only in a job stored before the option existed: ResolvedOptions fills it in
        styleLayerWeights = styleLayerWeights == null ? List.of() : List.copyOf(styleLayerWeights);
    }

    public LossWeights withStyleLayerWeights(List<Double> weights) {
        return new LossWeights(contentWeight, styleWeight, tvWeight, styleWeights, weights);
    }
}
