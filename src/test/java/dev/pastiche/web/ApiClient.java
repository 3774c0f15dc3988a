package dev.pastiche.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A plain HTTP/1.1 client for the running service, with multipart bodies built by hand so the
 * tests send exactly what a curl user would, plus the RFC 9457 checks every error must pass.
 */
final class ApiClient {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** A qualified Java name such as {@code java.lang.IllegalStateException}, or a stack frame. */
    private static final Pattern JAVA_LEAK = Pattern.compile("\\b(?:[a-z][a-z0-9_]*\\.)+[A-Z]\\w*|\\bat [\\w.$]+\\(|Exception|\\.java:\\d+");

    private final HttpClient http;
    private final String base;

    ApiClient(int port) {
        this(port, HttpClient.Redirect.NEVER);
    }

    ApiClient(int port, HttpClient.Redirect redirects) {
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).followRedirects(redirects)
                .connectTimeout(Duration.ofSeconds(10)).build();
        this.base = "http://localhost:" + port;
    }

    /** @param headers alternating names and values */
    HttpResponse<byte[]> get(String pathAndQuery, String... headers) {
        HttpRequest.Builder request = request(pathAndQuery).GET();
        if (headers.length > 0) {
            request.headers(headers);
        }
        return send(request.build());
    }

    /** @param headers alternating names and values */
    HttpResponse<byte[]> post(String path, Multipart body, String... headers) {
        return send(postRequest(path, body, headers));
    }

    /** @param headers alternating names and values */
    HttpResponse<byte[]> post(String path, String contentType, byte[] body, String... headers) {
        HttpRequest.Builder request = request(path).header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return send(request.build());
    }

    /** A POST without a body, such as a cancel. */
    HttpResponse<byte[]> post(String path) {
        return send(request(path).POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    /** @param headers alternating names and values */
    HttpResponse<byte[]> delete(String path, String... headers) {
        HttpRequest.Builder request = request(path).DELETE();
        if (headers.length > 0) {
            request.headers(headers);
        }
        return send(request.build());
    }

    /** Any method, with or without a body. @param headers alternating names and values */
    HttpResponse<byte[]> send(String method, String pathAndQuery, HttpRequest.BodyPublisher body, String... headers) {
        HttpRequest.Builder request = request(pathAndQuery).method(method, body);
        if (headers.length > 0) {
            request.headers(headers);
        }
        return send(request.build());
    }

    CompletableFuture<HttpResponse<byte[]>> postAsync(String path, Multipart body) {
        return http.sendAsync(postRequest(path, body), HttpResponse.BodyHandlers.ofByteArray());
    }

    private HttpRequest postRequest(String path, Multipart body, String... headers) {
        HttpRequest.Builder request = request(path).header("Content-Type", body.contentType())
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.bytes()));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return request.build();
    }

    private HttpRequest.Builder request(String pathAndQuery) {
        return HttpRequest.newBuilder(URI.create(base + pathAndQuery)).timeout(TIMEOUT);
    }

    private HttpResponse<byte[]> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static JsonNode json(String text) {
        return tools.jackson.databind.json.JsonMapper.shared().readTree(text);
    }

    static JsonNode json(HttpResponse<byte[]> response) {
        return JsonMapper.shared().readTree(response.body());
    }

    static String text(HttpResponse<byte[]> response) {
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    static String contentType(HttpResponse<byte[]> response) {
        return response.headers().firstValue("Content-Type").orElse("");
    }

    /**
     * Asserts an RFC 9457 problem as API.md defines it and returns its body for further checks.
     *
     * @param path the request path without its query: what {@code instance} must be
     */
    static JsonNode assertProblem(HttpResponse<byte[]> response, int status, String slug, String path) {
        assertThat(response.statusCode()).as("status of %s (body %s)", path, text(response)).isEqualTo(status);
        assertThat(contentType(response)).as("Content-Type").startsWith("application/problem+json");
        JsonNode problem = json(response);
        assertThat(problem.path("type").asString()).isEqualTo("https://pastiche.dev/problems/" + slug);
        assertThat(problem.path("title").asString()).isNotBlank();
        assertThat(problem.path("status").isInt()).as("status is a number").isTrue();
        assertThat(problem.path("status").asInt()).isEqualTo(status);
        assertThat(problem.path("instance").asString()).isEqualTo(path);
        String detail = problem.path("detail").asString();
        assertThat(detail).as("detail").isNotBlank().doesNotContainPattern(JAVA_LEAK);
        problem.path("errors").forEach(error -> assertThat(error.path("message").asString()).doesNotContainPattern(JAVA_LEAK));
        return problem;
    }

    /** Asserts a validation problem whose {@code errors} name exactly these fields, each with a message. */
    static JsonNode assertValidationProblem(HttpResponse<byte[]> response, String path, String... fields) {
        JsonNode problem = assertProblem(response, 400, "validation", path);
        assertThat(problem.path("title").asString()).isEqualTo("Invalid request");
        JsonNode errors = problem.path("errors");
        assertThat(errors.isArray()).as("errors is an array in %s", problem).isTrue();
        List<String> named = new ArrayList<>();
        errors.forEach(error -> {
            named.add(error.path("field").asString());
            assertThat(error.path("message").asString()).as("message of %s", error).isNotBlank();
        });
        assertThat(named).containsExactlyInAnyOrder(fields);
        return problem;
    }

    /** A multipart/form-data body, built byte for byte. */
    static final class Multipart {

        private final String boundary = "pastiche-" + UUID.randomUUID();
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Multipart file(String name, String filename, String contentType, byte[] content) {
            head("Content-Disposition: form-data; name=\"" + name + "\"; filename=\"" + filename + "\"\r\n"
                    + "Content-Type: " + contentType + "\r\n");
            out.writeBytes(content);
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
            return this;
        }

        Multipart png(String name, byte[] content) {
            return file(name, name + ".png", "image/png", content);
        }

        /** A JSON part, as API.md's {@code options}. */
        Multipart json(String name, String value) {
            head("Content-Disposition: form-data; name=\"" + name + "\"\r\nContent-Type: application/json\r\n");
            out.writeBytes(value.getBytes(StandardCharsets.UTF_8));
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
            return this;
        }

        Multipart field(String name, String value) {
            head("Content-Disposition: form-data; name=\"" + name + "\"\r\n");
            out.writeBytes(value.getBytes(StandardCharsets.UTF_8));
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
            return this;
        }

        private void head(String headers) {
            out.writeBytes(("--" + boundary + "\r\n" + headers + "\r\n").getBytes(StandardCharsets.UTF_8));
        }

        String contentType() {
            return "multipart/form-data; boundary=" + boundary;
        }

        byte[] bytes() {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            all.writeBytes(out.toByteArray());
            all.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
            return all.toByteArray();
        }
    }

    /** Test images, made here so every test says what it sends. */
    static final class Images {

        private Images() {
        }

        /** A smooth colour pattern that varies with {@code phase}: compresses well, never constant. */
        static BufferedImage pattern(int width, int height, int phase) {
            BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int r = (x * 255 / Math.max(1, width - 1) + phase * 40) & 0xff;
                    int g = (y * 255 / Math.max(1, height - 1) + phase * 90) & 0xff;
                    int b = ((x + y) * 4 + phase * 17) & 0xff;
                    image.setRGB(x, y, (r << 16) | (g << 8) | b);
                }
            }
            return image;
        }

        static BufferedImage solid(int width, int height, int rgb) {
            BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    image.setRGB(x, y, rgb);
                }
            }
            return image;
        }

        /** Seeded noise: a PNG of it is large and barely compressible. */
        static BufferedImage noise(int width, int height, long seed) {
            Random random = new Random(seed);
            BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    image.setRGB(x, y, random.nextInt(1 << 24));
                }
            }
            return image;
        }

        static byte[] png(BufferedImage image) {
            return encode(image, "png");
        }

        static byte[] jpeg(BufferedImage image) {
            return encode(image, "jpeg");
        }

        static BufferedImage decode(byte[] bytes) {
            try {
                BufferedImage image = ImageIO.read(new ByteArrayInputStream(bytes));
                assertThat(image).as("decodable image").isNotNull();
                return image;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static byte[] encode(BufferedImage image, String format) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try {
                assertThat(ImageIO.write(image, format, out)).as("a %s writer", format).isTrue();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return out.toByteArray();
        }
    }
}
