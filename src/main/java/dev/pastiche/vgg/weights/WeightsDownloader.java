package dev.pastiche.vgg.weights;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Downloads weights into the cache directory: streamed to a temporary file with progress logged,
 * hashed on the way, checked against the expected SHA-256 when one is configured, then moved into
 * place atomically, so a cache entry is either whole and verified or absent.
 */
final class WeightsDownloader {

    private static final Logger log = LoggerFactory.getLogger(WeightsDownloader.class);
    private static final long LOG_EVERY_NANOS = Duration.ofSeconds(5).toNanos();

    private final HttpClient http;

    WeightsDownloader(Duration connectTimeout) {
        http = HttpClient.newBuilder().connectTimeout(connectTimeout).followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    /** The cache entry for {@code url}: its file name, prefixed by a hash of the whole URL so two models called model.safetensors do not collide. */
    static Path cachedPath(Path cacheDir, URI url) {
        String path = url.getPath();
        String name = path.substring(path.lastIndexOf('/') + 1);
        byte[] hash = Sha256.digest().digest(url.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return cacheDir.resolve(HexFormat.of().formatHex(hash, 0, 6) + "-" + (name.isEmpty() ? "weights" : name));
    }

    /** The SHA-256 a Hugging Face answer announces for a file kept in LFS, on the redirect or the final answer. */
    private static String announcedSha256(HttpResponse<?> response) {
        for (HttpResponse<?> r = response; r != null; r = r.previousResponse().orElse(null)) {
            String etag = r.headers().firstValue("X-Linked-Etag").orElse(null);
            if (etag != null) {
                String hex = etag.replace("\"", "").replace("W/", "").trim().toLowerCase(java.util.Locale.ROOT);
                // a git blob's ETag (40 hex digits, SHA-1) is no content digest; only a 64-digit one is
                return hex.matches("[0-9a-f]{64}") ? hex : null;
            }
        }
        return null;
    }

    private static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has MD5", e);
        }
    }

    /** Downloads {@code url} to {@code target} and returns its SHA-256. */
    String download(URI url, Path target, String expectedSha256) throws IOException, InterruptedException {
        return download(url, target, expectedSha256, null);
    }

    /**
     * Downloads {@code url} to {@code target} and returns its SHA-256, checked against {@code expectedSha256}
     * and {@code expectedMd5} where given (some weights are published with an MD5 only), and against the
     * SHA-256 the server announces for the file (Hugging Face's {@code X-Linked-Etag}) where it does.
     */
    String download(URI url, Path target, String expectedSha256, String expectedMd5) throws IOException, InterruptedException {
        Files.createDirectories(target.getParent());
        HttpRequest request = HttpRequest.newBuilder(url).GET().build();
        HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            response.body().close();
            throw new IOException("GET " + url + " answered HTTP " + response.statusCode());
        }
        long total = response.headers().firstValueAsLong("Content-Length").orElse(-1);
        log.info("Downloading weights from {} ({} MB) into {}", url, total < 0 ? "?" : total >> 20, target.getParent());
        Path partial = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".part");
        MessageDigest digest = Sha256.digest();
        MessageDigest md5 = md5();
        String announced = announcedSha256(response);
        try (InputStream in = response.body(); OutputStream out = Files.newOutputStream(partial)) {
            byte[] buffer = new byte[1 << 20];
            long done = 0;
            long lastLog = System.nanoTime();
            for (int n; (n = in.read(buffer)) > 0; ) {
                out.write(buffer, 0, n);
                digest.update(buffer, 0, n);
                md5.update(buffer, 0, n);
                done += n;
                if (System.nanoTime() - lastLog > LOG_EVERY_NANOS) {
                    lastLog = System.nanoTime();
                    log.info("Downloaded {} MB{}", done >> 20, total > 0 ? " of " + (total >> 20) + " MB (" + 100 * done / total + " %)" : "");
                }
            }
            if (total > 0 && done != total) {
                throw new IOException("download of " + url + " ended after " + done + " of " + total + " bytes");
            }
            String sha256 = HexFormat.of().formatHex(digest.digest());
            Sha256.check(expectedSha256, sha256, "the download from " + url);
            if (announced != null && !announced.equals(sha256)) {
                throw new IOException("the download from " + url + " has SHA-256 " + sha256 + " but the server announced " + announced
                        + " for it: the transfer was corrupted; try again");
            }
            String md5Hex = HexFormat.of().formatHex(md5.digest());
            if (expectedMd5 != null && !expectedMd5.isBlank() && !expectedMd5.trim().equalsIgnoreCase(md5Hex)) {
                throw new WeightsException("the download from " + url + " has MD5 " + md5Hex + " but " + expectedMd5.trim()
                        + " was published for it; the file at that address has changed or is not the one expected");
            }
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            log.info("Downloaded weights to {} (SHA-256 {})", target, sha256);
            return sha256;
        } finally {
            Files.deleteIfExists(partial);
        }
    }
}
