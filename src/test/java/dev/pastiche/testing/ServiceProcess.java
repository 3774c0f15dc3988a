package dev.pastiche.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The service as a real, separate JVM ({@code dev.pastiche.PasticheApplication} on the test's class
 * path without the test classes), so that a test can kill it with SIGKILL and start another on the
 * same files or database. Output goes to a log file beside the test's files; its tail is shown
 * when the process fails to start. Every process still alive when the test JVM exits is killed.
 */
public final class ServiceProcess implements AutoCloseable {

    /** {@link #kill()}'s exit status: that of a JVM killed by signal 9. */
    public static final int SIGKILLED = 128 + 9;

    private static final Set<Process> ALIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> ALIVE.forEach(Process::destroyForcibly), "kill-service-processes"));
    }

    private final String name;
    private final int port;
    private final Process process;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private ServiceProcess(String name, int port, Process process, Path log) {
        this.name = name;
        this.port = port;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts the service on a free port with random weights, offline, with JobRunr polling every
     * 5 s and declaring a silent server dead after 4 polls (the least JobRunr allows), named
     * {@code name} in JobRunr.
     *
     * @param arguments further {@code --key=value} Spring properties
     */
    public static ServiceProcess start(String name, Path directory, String... arguments) {
        return start(name, directory, Map.of(), arguments);
    }

    /**
     * As {@link #start(String, Path, String...)}, with further environment variables: {@code
     * OMP_NUM_THREADS=1} gives each of several processes on one machine a core of its own, as pods
     * with a CPU limit have, instead of every process's OpenMP threads spinning on every core.
     */
    public static ServiceProcess start(String name, Path directory, Map<String, String> environment, String... arguments) {
        int port = freePort();
        Path log = directory.resolve(name + ".log");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true", "-Xmx768m",
                "-cp", applicationClassPath(),
                "dev.pastiche.PasticheApplication",
                "--server.port=" + port,
                "--pastiche.weights.source=random",
                "--pastiche.lpips.source=file",
                "--jobrunr.background-job-server.name=" + name,
                "--jobrunr.background-job-server.poll-interval-in-seconds=5",
                "--jobrunr.background-job-server.server-timeout-poll-interval-multiplicand=4"));
        command.addAll(Arrays.asList(arguments));
        // appended: a process started again under the same name keeps the log of the one before
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(environment);
        try {
            Process process = builder.start();
            ALIVE.add(process);
            return new ServiceProcess(name, port, process, log);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + name, e);
        }
    }

    /** The test JVM's class path less its test classes (and so less the tests' application-default.yml). */
    private static String applicationClassPath() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.endsWith("test-classes") && !entry.endsWith("test-classes" + File.separator))
                .collect(Collectors.joining(File.pathSeparator));
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String name() {
        return name;
    }

    public int port() {
        return port;
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** Waits until readiness is UP (model loaded, database migrated); fails at once if the process dies. */
    public ServiceProcess awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        HttpRequest readiness = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health/readiness"))
                .timeout(Duration.ofSeconds(5)).build();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError(name + " exited with " + process.exitValue() + " before it was ready:\n" + logTail(60));
            }
            try {
                if (http.send(readiness, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return this;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new AssertionError(name + " was not ready within " + timeout + ":\n" + logTail(60));
    }

    /** SIGKILL (what {@link Process#destroyForcibly()} sends on Linux): no shutdown hook, no graceful stop. */
    public int kill() throws InterruptedException {
        process.destroyForcibly();
        return awaitExit(Duration.ofSeconds(30));
    }

    /** SIGTERM: Spring's graceful shutdown, which stops JobRunr and closes the database. */
    public int stop() throws InterruptedException {
        process.destroy();
        return awaitExit(Duration.ofSeconds(40));
    }

    private int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError(name + " did not exit within " + timeout);
        }
        ALIVE.remove(process);
        return process.exitValue();
    }

    /** The causes of the last exception logged, then the last lines. */
    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            String causes = all.stream().filter(line -> line.startsWith("Caused by:")).distinct().collect(Collectors.joining("\n"));
            return "--- " + log + " ---\n" + (causes.isEmpty() ? "" : causes + "\n...\n")
                    + String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Kills the process if it is still alive; safe to call more than once. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        ALIVE.remove(process);
    }
}
