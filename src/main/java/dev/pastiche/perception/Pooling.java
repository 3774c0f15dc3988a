package dev.pastiche.perception;

/** The network's 2×2 pools: VGG's own max pools, or average pools as Gatys et al. used for style transfer. */
public enum Pooling {
    MAX, AVG
}
