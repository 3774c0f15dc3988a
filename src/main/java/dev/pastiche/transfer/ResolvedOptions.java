package dev.pastiche.transfer;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.pastiche.perception.LossWeights;
import dev.pastiche.perception.ObjectiveLayers;
import java.util.Collections;

/**
 * Options with every default filled in and the seed chosen: what a run uses, enough to repeat it.
 * Stored with the job and read back by the worker, never resolved twice; in JSON the groups are
 * flattened into API.md's one options object.
 */
public record ResolvedOptions(@JsonUnwrapped Schedule schedule, @JsonUnwrapped Optimisation optimisation,
        @JsonUnwrapped ObjectiveLayers layers, @JsonUnwrapped LossWeights weights, @JsonUnwrapped Output output) {

    public ResolvedOptions {
        if (weights.styleLayerWeights().isEmpty()) {
            // a job stored before styleLayerWeights existed: every style layer weighed 1
            weights = weights.withStyleLayerWeights(Collections.nCopies(layers.styleLayers().size(), 1.0));
        }
    }

    ResolvedOptions withSize(int size) {
        return new ResolvedOptions(schedule.withSize(size), optimisation, layers, weights, output);
    }
}
