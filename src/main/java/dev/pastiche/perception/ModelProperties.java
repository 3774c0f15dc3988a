package dev.pastiche.perception;

import dev.pastiche.vgg.VggVariant;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The frozen extractor ({@code pastiche.model.*}). Layer defaults are Gatys et al. (2016): content
 * at block4_conv2, style at the first convolution of every block.
 *
 * @param maxConcurrent scoring requests computed at once; others wait their turn
 */
@Validated
@ConfigurationProperties("pastiche.model")
public record ModelProperties(
        @DefaultValue("vgg19") @NotNull VggVariant variant,
        @DefaultValue("block4_conv2") @NotNull String contentLayer,
        @DefaultValue({"block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1"}) @NotEmpty List<String> styleLayers,
        @DefaultValue("2") @Positive int maxConcurrent) {
}
