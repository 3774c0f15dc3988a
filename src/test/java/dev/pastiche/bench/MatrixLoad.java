package dev.pastiche.bench;

import dev.pastiche.image.ImageOps;
import dev.pastiche.testing.TestImages;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A distance matrix against the pairwise calls it replaces (issue 15's target): N images at one
 * size, every metric asked for, as one {@code POST /v1/perceptual-distance-matrix} and as the
 * N·(N−1)/2 {@code POST /v1/perceptual-distance} calls back to back from one client. Each is
 * timed over several rounds after a warm-up round; medians.
 */
public final class MatrixLoad {

    private static final String BOUNDARY = "pastiche-bench-boundary";

    /** @param ratio matrix over pairwise, medians of the rounds */
    record Result(int size, int images, String metrics, double matrixSeconds, double pairwiseSeconds, double ratio) {
    }

    private MatrixLoad() {
    }

    /** {@code PORT SIZE IMAGES ROUNDS [METRICS]}: against a service already listening. */
    public static void main(String[] args) throws Exception {
        Result r = run(Integer.parseInt(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                args.length > 4 ? args[4] : "content,style,features");
        System.out.printf(Locale.ROOT, "{\"size\": %d, \"images\": %d, \"metrics\": \"%s\", \"matrixSeconds\": %.2f, \"pairwiseSeconds\": %.2f, "
                + "\"ratio\": %.3f}%n", r.size(), r.images(), r.metrics(), r.matrixSeconds(), r.pairwiseSeconds(), r.ratio());
    }

    static Result run(int port, int size, int count, int rounds, String metrics) throws Exception {
        List<byte[]> images = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            images.add(ImageOps.png(TestImages.noise(size, size, 100 + i).image()));
        }
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        ByteArrayOutputStream matrixBody = new ByteArrayOutputStream();
        images.forEach(png -> part(matrixBody, "image", png));
        field(matrixBody, "metrics", metrics);
        HttpRequest matrix = request(port, "/v1/perceptual-distance-matrix", matrixBody);
        List<HttpRequest> pairs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            for (int j = i + 1; j < count; j++) {
                ByteArrayOutputStream body = new ByteArrayOutputStream();
                part(body, "reference", images.get(i));
                part(body, "candidate", images.get(j));
                field(body, "metrics", metrics);
                pairs.add(request(port, "/v1/perceptual-distance", body));
            }
        }
        List<Double> matrixTimes = new ArrayList<>();
        List<Double> pairwiseTimes = new ArrayList<>();
        for (int round = 0; round <= rounds; round++) {
            long start = System.nanoTime();
            send(http, matrix);
            double matrixSeconds = (System.nanoTime() - start) / 1e9;
            start = System.nanoTime();
            for (HttpRequest pair : pairs) {
                send(http, pair);
            }
            double pairwiseSeconds = (System.nanoTime() - start) / 1e9;
            // round 0 warms the JIT and PyTorch's kernels for these shapes
            if (round > 0) {
                matrixTimes.add(matrixSeconds);
                pairwiseTimes.add(pairwiseSeconds);
            }
        }
        double m = median(matrixTimes);
        double p = median(pairwiseTimes);
        return new Result(size, count, metrics, m, p, m / p);
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static HttpRequest request(int port, String path, ByteArrayOutputStream body) {
        body.writeBytes(("--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofMinutes(10))
                .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build();
    }

    private static void send(HttpClient http, HttpRequest request) throws Exception {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(request.uri().getPath() + " answered " + response.statusCode() + ": " + response.body());
        }
    }

    private static void part(ByteArrayOutputStream out, String name, byte[] png) {
        out.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"" + name
                + ".png\"\r\nContent-Type: image/png\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(png);
        out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    private static void field(ByteArrayOutputStream out, String name, String value) {
        out.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n")
                .getBytes(StandardCharsets.US_ASCII));
    }
}
