package dev.pastiche.transfer;

/** The optimisers of API.md: both follow PyTorch's semantics ({@code torch.optim.LBFGS}, {@code torch.optim.Adam}). */
public enum OptimizerType {
    LBFGS, ADAM
}
