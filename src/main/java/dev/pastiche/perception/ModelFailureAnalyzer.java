package dev.pastiche.perception;

import dev.pastiche.vgg.UnknownLayerException;
import dev.pastiche.vgg.weights.WeightsException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;

/** Turns a start-up that failed on the model's configuration into a short report instead of a stack trace. */
class ModelFailureAnalyzer implements FailureAnalyzer {

    @Override
    public FailureAnalysis analyze(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof WeightsException weights) {
                return new FailureAnalysis("The VGG weights could not be loaded: " + weights.getMessage(),
                        "Fix or replace the weights file, or change pastiche.weights.source / pastiche.weights.path "
                                + "(safetensors or npz with torchvision key names; 'random' runs untrained for tests and demos).",
                        weights);
            }
            if (cause instanceof UnknownLayerException layer) {
                return new FailureAnalysis("A configured layer does not exist: " + layer.getMessage(),
                        "Correct pastiche.model.content-layer or pastiche.model.style-layers for pastiche.model.variant.", layer);
            }
        }
        return null;
    }
}
