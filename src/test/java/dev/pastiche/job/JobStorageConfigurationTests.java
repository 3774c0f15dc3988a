package dev.pastiche.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pastiche.testing.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.jobrunr.jobs.mappers.JobMapper;
import org.jobrunr.spring.autoconfigure.JobRunrProperties;
import org.jobrunr.storage.StorageProvider;
import org.jobrunr.utils.mapper.JsonMapperFactory;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.beans.factory.support.StaticListableBeanFactory;

/**
 * JobRunr's tables are made under a PostgreSQL advisory lock, so that nodes starting together on a
 * new database take turns (JobRunr 8.7's own lock leaves a window in which a node re-runs a migration
 * another has just applied, and fails to start).
 */
class JobStorageConfigurationTests {

    @Test
    void jobRunrMakesItsTablesOnlyOnceTheAdvisoryLockIsFree() throws Exception {
        TestPostgres.Schema schema = TestPostgres.freshSchema("lock");
        try (Connection otherNode = schema.connect()) {
            PGSimpleDataSource dataSource = new PGSimpleDataSource();
            dataSource.setUrl(schema.url());
            dataSource.setUser(TestPostgres.USER);
            dataSource.setPassword(TestPostgres.PASSWORD);
            JobRunrProperties properties = new JobRunrProperties();
            properties.getDatabase().setTablePrefix(schema.jobrunrTablePrefix());
            JobMapper mapper = new JobMapper(JsonMapperFactory.createJsonMapper());

            advisory(otherNode, "pg_advisory_lock");
            CompletableFuture<StorageProvider> starting = CompletableFuture.supplyAsync(() -> {
                try {
                    return new JobStorageConfiguration().storageProvider(new StaticListableBeanFactory(Map.of("dataSource", dataSource)),
                            mapper, properties);
                } catch (SQLException e) {
                    throw new CompletionException(e);
                }
            });
            Thread.sleep(1500);
            assertThat(starting).as("waits for the lock").isNotDone();
            assertThat(tables(otherNode)).doesNotContain("jobrunr_migrations", "jobrunr_jobs");

            advisory(otherNode, "pg_advisory_unlock");
            try (StorageProvider provider = starting.get(60, TimeUnit.SECONDS)) {
                assertThat(provider).isNotNull();
                assertThat(tables(otherNode)).contains("jobrunr_migrations", "jobrunr_jobs", "jobrunr_backgroundjobservers");
            }
            // the lock is free again: a second node passes straight through and finds every migration applied
            try (StorageProvider again = new JobStorageConfiguration().storageProvider(
                    new StaticListableBeanFactory(Map.of("dataSource", dataSource)), mapper, properties)) {
                assertThat(again).isNotNull();
            }
        } finally {
            schema.drop();
        }
    }

    private static void advisory(Connection connection, String function) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("SELECT " + function + "(" + JobStorageConfiguration.TABLES_LOCK + ")");
        }
    }

    private static List<String> tables(Connection connection) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")) {
            while (rs.next()) {
                tables.add(rs.getString(1));
            }
        }
        return tables;
    }
}
