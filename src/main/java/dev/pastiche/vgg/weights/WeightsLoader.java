package dev.pastiche.vgg.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves {@code pastiche.weights.*} to tensors. {@code auto} takes the configured file, else the
 * cached download, else tries the download, else falls back to seeded random weights with a loud
 * warning (or, when pretrained weights are required, to no weights at all).
 */
public final class WeightsLoader {

    private static final Logger log = LoggerFactory.getLogger(WeightsLoader.class);

    private final WeightsProperties properties;
    private final WeightsDownloader downloader;

    public WeightsLoader(WeightsProperties properties) {
        this.properties = properties;
        this.downloader = new WeightsDownloader(properties.connectTimeout());
    }

    /**
     * Loads exactly the {@code required} tensors (torchvision key → expected shape) into {@code manager}.
     *
     * @throws WeightsException a file that is configured but unusable: start-up must fail and say why
     * @throws WeightsUnavailableException pretrained weights were required and there are none
     */
    public LoadedWeights load(Map<String, Shape> required, NDManager manager) {
        return switch (properties.source()) {
            case FILE -> fromFile(configuredPath(), "file", required, manager);
            case DOWNLOAD -> fromDownload(required, manager);
            case RANDOM -> random(required, manager, "pastiche.weights.source=random");
            case AUTO -> auto(required, manager);
        };
    }

    /**
     * The cached download of {@code url} in {@code cacheDir}, downloaded first when it is not there, and
     * then only kept when it matches the digests given (either may be null) and the one the server announces.
     */
    public static Path fetch(URI url, Path cacheDir, Duration connectTimeout, String sha256, String md5)
            throws IOException, InterruptedException {
        Path cached = WeightsDownloader.cachedPath(cacheDir, url);
        if (!Files.isRegularFile(cached)) {
            new WeightsDownloader(connectTimeout).download(url, cached, sha256, md5);
        }
        return cached;
    }

    private LoadedWeights auto(Map<String, Shape> required, NDManager manager) {
        if (properties.path() != null) {
            return fromFile(properties.path(), "file", required, manager);
        }
        Path cached = WeightsDownloader.cachedPath(properties.cacheDir(), properties.url());
        if (Files.isRegularFile(cached)) {
            return fromFile(cached, "download", required, manager);
        }
        try {
            downloader.download(properties.url(), cached, properties.sha256());
            return fromFile(cached, "download", required, manager);
        } catch (IOException | WeightsException e) {
            return random(required, manager, "the download from " + properties.url() + " failed (" + describe(e) + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WeightsException("interrupted while downloading weights", e);
        }
    }

    private LoadedWeights fromDownload(Map<String, Shape> required, NDManager manager) {
        Path cached = WeightsDownloader.cachedPath(properties.cacheDir(), properties.url());
        if (!Files.isRegularFile(cached)) {
            try {
                downloader.download(properties.url(), cached, properties.sha256());
            } catch (IOException e) {
                throw new WeightsException("pastiche.weights.source=download but " + e.getMessage()
                        + "; check pastiche.weights.url and the network, or put the file at pastiche.weights.path", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new WeightsException("interrupted while downloading weights", e);
            }
        }
        return fromFile(cached, "download", required, manager);
    }

    private static String describe(Exception e) {
        // connection errors often carry no message; their type is the useful part
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    private Path configuredPath() {
        if (properties.path() == null) {
            throw new WeightsException("pastiche.weights.source=file needs pastiche.weights.path: "
                    + "a safetensors, npz or .pth file with torchvision key names");
        }
        return properties.path();
    }

    private LoadedWeights fromFile(Path path, String source, Map<String, Shape> required, NDManager manager) {
        if (!Files.isRegularFile(path)) {
            throw new WeightsException("weights file " + path.toAbsolutePath() + " does not exist or is not a file");
        }
        long start = System.nanoTime();
        boolean verify = properties.sha256() != null && !properties.sha256().isBlank();
        String verified = null;
        if (verify) {
            // a file that must match a digest is checked before any of it is used
            verified = digest(path);
            Sha256.check(properties.sha256(), verified, path);
        }
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        try (TensorFile file = open(path, manager)) {
            for (Map.Entry<String, Shape> need : required.entrySet()) {
                String key = need.getKey();
                if (!file.keys().contains(key)) {
                    throw new WeightsException(path + " has no tensor '" + key + "'; weights must use torchvision key names ("
                            + "features.N.weight, features.N.bias, …) of the configured pastiche.model.variant");
                }
                if (!file.shape(key).equals(need.getValue())) {
                    throw new WeightsException("'" + key + "' in " + path + " has shape " + file.shape(key) + " but the model needs "
                            + need.getValue() + "; is pastiche.model.variant the variant these weights were trained for?");
                }
                tensors.put(key, file.read(key, manager));
            }
        } catch (RuntimeException e) {
            tensors.values().forEach(NDArray::close);
            throw e;
        }
        log.info("Loaded {} VGG weight tensors from {} in {} ms", tensors.size(), path, (System.nanoTime() - start) / 1_000_000);
        if (verify) {
            return LoadedWeights.known(tensors, new WeightsInfo(source, true, verified, null), path);
        }
        // only reported, not checked: hashed after start-up instead of on its critical path
        return new LoadedWeights(tensors, WeightsDigest.deferred(source, path));
    }

    private static String digest(Path path) {
        try {
            return Sha256.of(path);
        } catch (IOException e) {
            throw new WeightsException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    static TensorFile open(Path path, NDManager manager) {
        byte[] magic = new byte[2];
        try (InputStream in = Files.newInputStream(path)) {
            if (in.readNBytes(magic, 0, 2) < 2) {
                throw new WeightsException(path + " is too short to hold weights");
            }
        } catch (IOException e) {
            throw new WeightsException("cannot read " + path + ": " + e.getMessage(), e);
        }
        // npz and torch.save's archives are zips ("PK"), a legacy torch.save file starts with its pickled
        // magic number, and safetensors with its header length
        if (magic[0] == 'P' && magic[1] == 'K') {
            return TorchPickleFile.isTorchZip(path) ? new TorchPickleFile(path) : new NpzFile(path, manager);
        }
        return TorchPickleFile.isLegacy(path) ? new TorchPickleFile(path) : new SafetensorsFile(path);
    }

    private LoadedWeights random(Map<String, Shape> required, NDManager manager, String why) {
        if (properties.requirePretrained()) {
            throw new WeightsUnavailableException("No pretrained VGG weights are loaded (" + why + ") and "
                    + "pastiche.weights.require-pretrained=true. Provide them: set pastiche.weights.path "
                    + "(PASTICHE_WEIGHTS_PATH) to a safetensors, npz or .pth file with torchvision key names, or let the "
                    + "service download " + properties.url() + " into pastiche.weights.cache-dir (" + properties.cacheDir() + ")"
                    + " (or place that file there yourself), then restart.");
        }
        long seed = properties.seed();
        log.warn("""

                *********************************************************************************
                  Pastiche is running on UNTRAINED, RANDOM VGG weights (seed {}): {}.
                  Every distance and style transfer it computes is meaningless as a perceptual
                  measure. Set pastiche.weights.path to pretrained torchvision weights (safetensors
                  or npz), or allow the download of {}.
                *********************************************************************************""",
                seed, why, properties.url());
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        required.forEach((key, shape) -> tensors.put(key, RandomWeights.tensor(key, shape, seed, manager)));
        return LoadedWeights.known(tensors, WeightsInfo.random(seed));
    }
}
