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
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code POST /v1/perceptual-distance} over real HTTP from {@code concurrency} clients, each sending
 * its next request as soon as its last is answered, until {@code requests} are done.
 */
public final class ScoringLoad {

    private static final String BOUNDARY = "pastiche-bench-boundary";

    record Result(int size, int concurrency, int requests, double seconds, double p50Ms, double p99Ms) {

        double pairsPerSecond() {
            return requests / seconds;
        }
    }

    private ScoringLoad() {
    }

    /** {@code PORT SIZE CONCURRENCY REQUESTS [METRICS]}: one load run against a service already listening, for profiling by hand. */
    public static void main(String[] args) throws Exception {
        Result r = run(Integer.parseInt(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                args.length > 4 ? args[4] : null);
        System.out.printf(java.util.Locale.ROOT, "{\"size\": %d, \"concurrency\": %d, \"pairsPerSecond\": %.2f, \"p50Ms\": %.0f, \"p99Ms\": %.0f}%n",
                r.size(), r.concurrency(), r.pairsPerSecond(), r.p50Ms(), r.p99Ms());
    }

    static Result run(int port, int size, int concurrency, int requests) throws Exception {
        return run(port, size, concurrency, requests, null);
    }

    /** @param metrics the {@code metrics} field, or null for the endpoint's default */
    static Result run(int port, int size, int concurrency, int requests, String metrics) throws Exception {
        byte[] body = body(size, metrics);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/perceptual-distance"))
                .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        for (int i = 0; i < 2; i++) {
            send(http, request); // warm-up: JIT, PyTorch's first-shape kernels
        }
        AtomicInteger tickets = new AtomicInteger(requests);
        List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
        ExecutorService clients = Executors.newFixedThreadPool(concurrency);
        long start = System.nanoTime();
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < concurrency; c++) {
                running.add(clients.submit(() -> {
                    while (tickets.getAndDecrement() > 0) {
                        long sent = System.nanoTime();
                        send(http, request);
                        latencies.add((System.nanoTime() - sent) / 1e6);
                    }
                    return null;
                }));
            }
            for (Future<?> client : running) {
                client.get();
            }
        } finally {
            clients.shutdownNow();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        List<Double> sorted = latencies.stream().sorted().toList();
        return new Result(size, concurrency, requests, seconds, percentile(sorted, 0.50), percentile(sorted, 0.99));
    }

    /** Nearest-rank percentile. */
    static double percentile(List<Double> sorted, double p) {
        return sorted.get(Math.max(0, (int) Math.ceil(p * sorted.size()) - 1));
    }

    private static void send(HttpClient http, HttpRequest request) throws Exception {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("scoring answered " + response.statusCode() + ": " + response.body());
        }
    }

    private static byte[] body(int size, String metrics) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        part(out, "reference", ImageOps.png(TestImages.noise(size, size, 1).image()));
        part(out, "candidate", ImageOps.png(TestImages.noise(size, size, 2).image()));
        if (metrics != null) {
            out.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"metrics\"\r\n\r\n" + metrics + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
        }
        out.writeBytes(("--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    private static void part(ByteArrayOutputStream out, String name, byte[] png) {
        out.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"" + name
                + ".png\"\r\nContent-Type: image/png\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(png);
        out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
    }
}
