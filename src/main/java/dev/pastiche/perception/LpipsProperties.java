package dev.pastiche.perception;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The published LPIPS metric's files ({@code pastiche.lpips.*}); without both, {@code lpips} is
 * unavailable and every other metric works as before.
 *
 * @param backbonePath VGG16's convolutional weights with torchvision's key names
 *     ({@code features.0.weight} …), safetensors or npz
 * @param weightsPath LPIPS v0.1's learned linear layers with the lpips package's key names
 *     ({@code lin0.model.1.weight} … {@code lin4.model.1.weight}, shape [1, C, 1, 1]), safetensors or npz
 */
@ConfigurationProperties("pastiche.lpips")
public record LpipsProperties(Path backbonePath, Path weightsPath) {
}
