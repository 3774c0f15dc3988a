package dev.pastiche.storage;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Adobe's S3Mock, a real S3-compatible HTTP server, in a JVM of its own: it is a Spring Boot 3
 * application and cannot share the class path with ours. The pom copies its runnable jar to
 * {@code target/s3mock/} and passes the path as {@code s3mock.jar}.
 */
final class S3Mock implements AutoCloseable {

    static final String ACCESS_KEY = "test-access-key";
    static final String SECRET_KEY = "test-secret-key";

    private static final Duration STARTUP = Duration.ofSeconds(60);

    private final Process process;
    private final Path log;
    private final URI endpoint;
    private final Thread killer;

    private S3Mock(Process process, Path log, URI endpoint) {
        this.process = process;
        this.log = log;
        this.endpoint = endpoint;
        this.killer = new Thread(process::destroyForcibly, "s3mock-killer");
        Runtime.getRuntime().addShutdownHook(killer);
    }

    /** Starts S3Mock on a free loopback port, keeping its objects and its log under {@code directory}. */
    static S3Mock start(Path directory) throws IOException, InterruptedException {
        Path jar = Path.of(System.getProperty("s3mock.jar", "target/s3mock/s3mock.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("S3Mock's jar is missing at " + jar.toAbsolutePath()
                    + ": './mvnw generate-test-resources' copies it there");
        }
        int port = freeLoopbackPort();
        Path log = directory.resolve("s3mock.log");
        Process process = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // a short-lived test server: quick start-up matters more than peak speed
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m",
                "-jar", jar.toString(),
                // plain HTTP on loopback as the main connector; S3Mock's extra HTTP connector goes to a random port
                "--server.address=127.0.0.1", "--server.port=" + port, "--server.ssl.enabled=false",
                "--com.adobe.testing.s3mock.httpPort=0",
                "--com.adobe.testing.s3mock.store.root=" + directory.resolve("objects"),
                "--spring.main.banner-mode=off", "--logging.level.root=WARN"))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        S3Mock mock = new S3Mock(process, log, URI.create("http://127.0.0.1:" + port));
        try {
            mock.awaitListening(port);
        } catch (IOException | InterruptedException | RuntimeException e) {
            mock.close();
            throw e;
        }
        return mock;
    }

    URI endpoint() {
        return endpoint;
    }

    /** A path-style client for this server, with the given interceptors. */
    S3Client client(ExecutionInterceptor... interceptors) {
        return S3Client.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .overrideConfiguration(configuration -> List.of(interceptors).forEach(configuration::addExecutionInterceptor))
                .build();
    }

    private void awaitListening(int port) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("S3Mock exited with " + process.exitValue() + ":\n" + Files.readString(log));
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("S3Mock did not listen on port " + port + " within " + STARTUP + ":\n" + Files.readString(log));
    }

    private static int freeLoopbackPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        Runtime.getRuntime().removeShutdownHook(killer);
    }
}
