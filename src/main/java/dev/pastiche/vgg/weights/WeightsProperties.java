package dev.pastiche.vgg.weights;

import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Where the VGG weights come from ({@code pastiche.weights.*}, API.md).
 *
 * @param source auto: the file, else the cached or fresh download, else random (loudly)
 * @param requirePretrained refuse to serve untrained numbers: readiness DOWN instead of random
 * @param path a safetensors, npz or .pth file with torchvision key names
 * @param url where to download pretrained weights from (safetensors with torchvision {@code features.*} keys)
 * @param sha256 expected SHA-256 of the file or download; checked when set
 * @param cacheDir where downloads are kept
 * @param seed the seed of the {@code random} source
 * @param connectTimeout how long to wait for the download server before giving up
 */
@Validated
@ConfigurationProperties("pastiche.weights")
public record WeightsProperties(
        @DefaultValue("auto") @NotNull WeightsSource source,
        @DefaultValue("false") boolean requirePretrained,
        Path path,
        @DefaultValue(DEFAULT_URL) @NotNull URI url,
        String sha256,
        @DefaultValue("data/weights") @NotNull Path cacheDir,
        @DefaultValue("0") long seed,
        @DefaultValue("10s") @NotNull Duration connectTimeout) {

    /** torchvision's ImageNet VGG19 weights as published in safetensors form by timm ({@code vgg19.tv_in1k}). */
    public static final String DEFAULT_URL = "https://huggingface.co/timm/vgg19.tv_in1k/resolve/main/model.safetensors";
}
