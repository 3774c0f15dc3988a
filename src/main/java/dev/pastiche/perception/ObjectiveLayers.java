package dev.pastiche.perception;

import java.util.List;

/**
 * Which taps the style-transfer objective reads and how (API.md).
 *
 * @param styleLoss how each style layer is compared
 * @param pooling the network's pools during the run (the targets are computed with the same)
 */
public record ObjectiveLayers(String contentLayer, List<String> styleLayers, StyleLoss styleLoss, Pooling pooling) {

    public ObjectiveLayers {
        styleLayers = List.copyOf(styleLayers);
        // absent in a job stored before these options existed: it ran with Gram terms and max pools
        styleLoss = styleLoss == null ? StyleLoss.GRAM : styleLoss;
        pooling = pooling == null ? Pooling.MAX : pooling;
    }
}
