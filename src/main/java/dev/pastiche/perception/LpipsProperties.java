package dev.pastiche.perception;

import java.net.URI;
import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The published LPIPS metric's files ({@code pastiche.lpips.*}); without both, {@code lpips} is
 * unavailable and every other metric works as before.
 *
 * @param backbonePath VGG16's convolutional weights with torchvision's key names
 *     ({@code features.0.weight} …): safetensors, npz or torch.save's .pth (torchvision's own file)
 * @param weightsPath LPIPS v0.1's learned linear layers with the lpips package's key names
 *     ({@code lin0.model.1.weight} … {@code lin4.model.1.weight}, shape [1, C, 1, 1]): safetensors, npz
 *     or the lpips package's own {@code weights/v0.1/vgg.pth}
 * @param source {@code auto}: the paths where set, else the cached or fresh download of each URL;
 *     {@code file}: the paths only, never the network
 * @param backboneUrl where {@code auto} downloads VGG16 from (safetensors)
 * @param backboneSha256 the backbone download's expected SHA-256; Hugging Face's announced digest is checked in any case
 * @param weightsUrl where {@code auto} downloads the linear layers from
 * @param weightsMd5 the digest published for the linear layers' file (an MD5 is all that is published)
 * @param weightsSha256 the linear layers' expected SHA-256, for a file of your own
 */
@ConfigurationProperties("pastiche.lpips")
public record LpipsProperties(
        Path backbonePath,
        Path weightsPath,
        @DefaultValue("auto") Source source,
        @DefaultValue(BACKBONE_URL) URI backboneUrl,
        String backboneSha256,
        @DefaultValue(WEIGHTS_URL) URI weightsUrl,
        @DefaultValue(WEIGHTS_MD5) String weightsMd5,
        String weightsSha256) {

    /** torchvision's ImageNet VGG16 ({@code vgg16-397923af.pth}) in safetensors form, as timm publishes it. */
    public static final String BACKBONE_URL = "https://huggingface.co/timm/vgg16.tv_in1k/resolve/main/model.safetensors";
    /**
     * The lpips package's {@code weights/v0.1/vgg.pth}, at the address taming-transformers downloads
     * it from and with the MD5 it checks (its {@code URL_MAP}/{@code MD5_MAP} for {@code vgg_lpips}).
     */
    public static final String WEIGHTS_URL = "https://heibox.uni-heidelberg.de/f/607503859c864bc1b30b/?dl=1";
    public static final String WEIGHTS_MD5 = "d507d7349b931f0638a25a48a722f98a";

    /** Where the files may come from. */
    public enum Source {
        AUTO, FILE
    }

    /** The two files, never the network. */
    public static LpipsProperties files(Path backbonePath, Path weightsPath) {
        return new LpipsProperties(backbonePath, weightsPath, Source.FILE, URI.create(BACKBONE_URL), null, URI.create(WEIGHTS_URL),
                WEIGHTS_MD5, null);
    }

    /** True when nothing is to be loaded: the paths are not both set and downloads are not allowed. */
    boolean filesOnlyAndMissing() {
        return source == Source.FILE && (backbonePath == null || weightsPath == null);
    }
}
