package dev.pastiche.vgg;

import ai.djl.nn.Parameter;

/** DJL parameter types to the attribute names torchvision's modules use in a state dict. */
final class TorchvisionNames {

    private TorchvisionNames() {
    }

    static String of(Parameter parameter) {
        return switch (parameter.getType()) {
            case WEIGHT, GAMMA -> "weight";
            case BIAS, BETA -> "bias";
            case RUNNING_MEAN -> "running_mean";
            case RUNNING_VAR -> "running_var";
            default -> throw new IllegalStateException("no torchvision name for parameter " + parameter.getName());
        };
    }
}
