package dev.pastiche.job;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.jobrunr.jobs.mappers.JobMapper;
import org.jobrunr.spring.autoconfigure.JobRunrProperties;
import org.jobrunr.storage.StorageProvider;
import org.jobrunr.storage.StorageProviderUtils.DatabaseOptions;
import org.jobrunr.storage.sql.common.SqlStorageProviderFactory;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * JobRunr's storage, made as JobRunr's Spring Boot auto-configuration makes it, except that on
 * PostgreSQL the creation and upgrade of JobRunr's tables runs under a database-wide advisory lock.
 *
 * <p>JobRunr 8.7 chooses which of its migrations to run before it takes its own migrations lock, so
 * when the nodes of a cluster start together on a new database (Flyway's lock lines them up right
 * before this point) one can re-run a migration the other just applied and fail to start
 * ("column ... already exists"; jobrunr/jobrunr#1519). Under this lock the later node finds every
 * migration applied. H2 is one process's file and needs no lock. The lock's connection is held
 * while JobRunr takes others from the pool, so the pool needs at least two connections (Hikari's
 * default is ten).
 */
@Configuration(proxyBeanMethods = false)
class JobStorageConfiguration {

    /** The advisory-lock key of JobRunr's table creation: "pastiche" in ASCII. */
    static final long TABLES_LOCK = 0x7061737469636865L;

    @Bean(name = "storageProvider", destroyMethod = "close")
    @DependsOnDatabaseInitialization
    StorageProvider storageProvider(BeanFactory beans, JobMapper jobMapper, JobRunrProperties properties) throws SQLException {
        JobRunrProperties.Database database = properties.getDatabase();
        DataSource dataSource = database.getDatasource() == null || database.getDatasource().isEmpty()
                ? beans.getBean(DataSource.class) : beans.getBean(database.getDatasource(), DataSource.class);
        DatabaseOptions options = database.isSkipCreate() ? DatabaseOptions.SKIP_CREATE : DatabaseOptions.CREATE;
        try (Connection lock = dataSource.getConnection()) {
            boolean postgres = "PostgreSQL".equals(lock.getMetaData().getDatabaseProductName());
            if (postgres) {
                advisory(lock, "pg_advisory_lock");
            }
            try {
                StorageProvider provider = SqlStorageProviderFactory.using(dataSource, database.getTablePrefix(), options);
                provider.setJobMapper(jobMapper);
                return provider;
            } finally {
                if (postgres) {
                    advisory(lock, "pg_advisory_unlock");
                }
            }
        }
    }

    private static void advisory(Connection connection, String function) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("SELECT " + function + "(" + TABLES_LOCK + ")");
        }
    }
}
