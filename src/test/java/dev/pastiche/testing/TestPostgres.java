package dev.pastiche.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PostgreSQL the integration tests use: database {@code pastiche_test} (user {@code postgres},
 * trust auth) on the server at 127.0.0.1:5432 when one accepts connections there (as on CI, whose
 * {@code .ci/run} starts it), or else on a real PostgreSQL this JVM starts itself
 * ({@link EmbeddedPostgresServer}, zonky's binaries from Maven Central), so that {@code ./mvnw verify}
 * needs no server installed. Each run gets a schema of its own, so repeated and concurrent runs (two
 * checkouts on one machine) never see each other's Flyway history, JobRunr tables or jobs; schemas
 * left by runs that died are dropped once they are an hour old. The application needs both the
 * schema's URL and JobRunr's table prefix ({@link Schema#jobrunrTablePrefix()}).
 *
 * <p>Another server: {@code -Dpastiche.test.postgres.url=jdbc:postgresql://host:port/} (ending in a
 * slash), {@code .database}, {@code .user}, {@code .password}. {@code -Dpastiche.test.postgres=server}
 * insists on that server (no embedded one when it is down), {@code =embedded} always starts one.
 */
public final class TestPostgres {

    /** {@code auto} (the server if it answers, else an embedded one), {@code server} or {@code embedded}. */
    private static final String MODE = System.getProperty("pastiche.test.postgres", "auto");
    private static final String CONFIGURED = System.getProperty("pastiche.test.postgres.url", "jdbc:postgresql://127.0.0.1:5432/");
    private static final Pattern HOST_PORT = Pattern.compile("jdbc:postgresql://([^:/]+)(?::(\\d+))?/.*");
    /** The server the tests use, as a JDBC URL ending in a slash. */
    public static final String SERVER = choose();
    public static final String DATABASE = System.getProperty("pastiche.test.postgres.database", "pastiche_test");
    public static final String USER = System.getProperty("pastiche.test.postgres.user", "postgres");
    public static final String PASSWORD = System.getProperty("pastiche.test.postgres.password", "");

    private static final String PREFIX = "it_";
    private static final Pattern RUN = Pattern.compile("it_[a-z0-9]+_(\\d+)_[0-9a-f]+");
    private static final long STALE_SECONDS = 3600;

    private TestPostgres() {
    }

    /** Chooses, and when it must starts, the server: on first use of this class, by tests that all need it. */
    private static String choose() {
        if (MODE.equals("server") || (MODE.equals("auto") && answers(CONFIGURED))) {
            return CONFIGURED;
        }
        if (!MODE.equals("auto") && !MODE.equals("embedded")) {
            throw new IllegalArgumentException("pastiche.test.postgres is auto, server or embedded, not " + MODE);
        }
        long start = System.nanoTime();
        EmbeddedPostgresServer embedded = EmbeddedPostgresServer.startForThisJvm(Path.of("target", "embedded-postgres"));
        System.err.printf("TestPostgres: %s; started an embedded PostgreSQL at %s in %d ms%n",
                MODE.equals("embedded") ? "pastiche.test.postgres=embedded" : "no PostgreSQL answers at " + CONFIGURED,
                embedded.url(), (System.nanoTime() - start) / 1_000_000);
        return embedded.url();
    }

    private static boolean answers(String url) {
        Matcher hostPort = HOST_PORT.matcher(url);
        if (!hostPort.matches()) {
            return true; // not ours to parse: let the driver say what is wrong with it
        }
        int port = hostPort.group(2) == null ? 5432 : Integer.parseInt(hostPort.group(2));
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(hostPort.group(1), port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A private schema in the test database, made now; its URL makes it the connection's only schema. */
    public record Schema(String name) {

        /** The JDBC URL for the application: Flyway and JobRunr create their tables in this schema. */
        public String url() {
            return SERVER + DATABASE + "?currentSchema=" + name;
        }

        /**
         * For {@code jobrunr.database.table-prefix}. Without it JobRunr looks for its migrations table in
         * every schema of the database ({@code DatabaseMetaData.getTables} with no schema pattern), finds
         * another run's, and then fails to read it through this connection's search path.
         */
        public String jobrunrTablePrefix() {
            return name + ".";
        }

        public Connection connect() throws SQLException {
            return DriverManager.getConnection(url(), USER, PASSWORD);
        }

        /** Drops the schema and everything in it; call it only when no process uses it any more. */
        public void drop() {
            try (Connection connection = DriverManager.getConnection(SERVER + DATABASE, USER, PASSWORD);
                 Statement statement = connection.createStatement()) {
                statement.execute("DROP SCHEMA IF EXISTS " + name + " CASCADE");
            } catch (SQLException e) {
                throw new IllegalStateException("could not drop test schema " + name + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * Creates the test database if it is missing, drops stale schemas of earlier runs, and makes a new
     * empty schema named after {@code purpose} (lowercase letters and digits).
     */
    public static Schema freshSchema(String purpose) {
        if (!purpose.matches("[a-z0-9]+")) {
            throw new IllegalArgumentException("purpose must be lowercase letters and digits: " + purpose);
        }
        createDatabaseIfMissing();
        long now = System.currentTimeMillis() / 1000;
        String name = PREFIX + purpose + "_" + now + "_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        try (Connection connection = DriverManager.getConnection(SERVER + DATABASE, USER, PASSWORD);
             Statement statement = connection.createStatement()) {
            List<String> stale = new ArrayList<>();
            try (ResultSet rs = statement.executeQuery("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'it\\_%'")) {
                while (rs.next()) {
                    Matcher run = RUN.matcher(rs.getString(1));
                    if (run.matches() && now - Long.parseLong(run.group(1)) > STALE_SECONDS) {
                        stale.add(run.group());
                    }
                }
            }
            for (String old : stale) {
                statement.execute("DROP SCHEMA IF EXISTS " + old + " CASCADE");
            }
            statement.execute("CREATE SCHEMA " + name);
        } catch (SQLException e) {
            throw unreachable(e);
        }
        return new Schema(name);
    }

    private static void createDatabaseIfMissing() {
        try (Connection connection = DriverManager.getConnection(SERVER + "postgres", USER, PASSWORD);
             Statement statement = connection.createStatement()) {
            try (ResultSet rs = statement.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + DATABASE + "'")) {
                if (rs.next()) {
                    return;
                }
            }
            try {
                statement.execute("CREATE DATABASE " + DATABASE);
            } catch (SQLException e) {
                if (!"42P04".equals(e.getSQLState())) { // duplicate_database: a concurrent run made it first
                    throw e;
                }
            }
        } catch (SQLException e) {
            throw unreachable(e);
        }
    }

    private static IllegalStateException unreachable(SQLException e) {
        return new IllegalStateException("PostgreSQL test database " + SERVER + DATABASE + " (user " + USER + ") is not usable: "
                + e.getMessage().replaceAll("\\.+$", "") + ". Fix that server, point -Dpastiche.test.postgres.url at another, or "
                + "let the tests start their own with -Dpastiche.test.postgres=embedded.", e);
    }
}
