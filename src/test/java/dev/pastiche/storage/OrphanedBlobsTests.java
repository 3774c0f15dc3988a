package dev.pastiche.storage;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.pastiche.storage.OrphanedBlobs.Swept;
import dev.pastiche.testing.TestPostgres;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcClientAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ContextConsumer;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.FilterType;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The orphan sweep over the real tables (Flyway's migrations on H2 and on PostgreSQL), the real
 * references of the job and classifier features, and a filesystem store whose files are aged by
 * setting their modification times.
 */
@ExtendWith(OutputCaptureExtension.class)
class OrphanedBlobsTests {

    private static final Duration PAST_GRACE = Duration.ofHours(2); // the default grace is 1 h

    @TempDir
    Path root;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"h2", "postgresql"})
    void removesOnlyOldBlobsThatNoRowRefersTo(String database, CapturedOutput output) {
        run(database, context -> {
            BlobStore store = context.getBean(BlobStore.class);
            JdbcClient jdbc = context.getBean(JdbcClient.class);
            String content = store.put(bytes("content"));
            List<String> styles = List.of(store.put(bytes("style 1")), store.put(bytes("style 2")));
            String mask = store.put(bytes("mask"));
            String preview = store.put(bytes("latest preview"));
            String result = store.put(bytes("result"));
            String checkpoint = store.put(bytes("checkpoint"));
            String images = store.put(bytes("training images"));
            String head = store.put(bytes("head weights"));
            insertJob(jdbc, content, styles, List.of(mask), preview, result, checkpoint);
            insertClassifier(jdbc, "RUNNING", images, null);
            insertClassifier(jdbc, "SUCCEEDED", null, head);
            String neverInARow = store.put(bytes("an upload whose process died before its job row"));
            String superseded = store.put(bytes("an earlier preview"));
            String young = store.put(bytes("an upload whose row is being written"));
            List<String> referenced = new ArrayList<>(List.of(content, mask, preview, result, checkpoint, images, head));
            referenced.addAll(styles);
            for (String key : referenced) {
                age(blob(key));
            }
            age(blob(neverInARow));
            age(blob(superseded));
            Path abandoned = age(Files.writeString(root.resolve("incoming").resolve("0123abcd99.part"), "killed mid-put"));
            Path writing = Files.writeString(root.resolve("incoming").resolve("4567cdef99.part"), "a put in progress");

            // each feature's one-pass read finds every key its rows hold, so the sweep asks again only about orphans
            assertThat(context.getBeanProvider(BlobReferences.class).orderedStream().flatMap(owner -> owner.referencedBlobs().stream()))
                    .containsExactlyInAnyOrderElementsOf(referenced);
            OrphanedBlobs sweep = context.getBean(OrphanedBlobs.class);
            assertThat(sweep.sweep()).isEqualTo(new Swept(2, 1, true));

            assertThat(referenced).allSatisfy(key -> assertThat(store.exists(key)).as("referenced %s", key).isTrue());
            assertThat(store.exists(neverInARow)).isFalse();
            assertThat(store.exists(superseded)).isFalse();
            assertThat(store.exists(young)).as("younger than the grace").isTrue();
            assertThat(abandoned).doesNotExist();
            assertThat(writing).exists();
            MeterRegistry meters = context.getBean(MeterRegistry.class);
            assertThat(meters.get("pastiche.storage.orphans.deleted").tag("kind", "blob").counter().count()).isEqualTo(2);
            assertThat(meters.get("pastiche.storage.orphans.deleted").tag("kind", "partial-upload").counter().count()).isEqualTo(1);
            assertThat(output).contains("Removed 2 orphaned blobs and 1 partial uploads older than PT1H");

            assertThat(sweep.sweep()).as("a second sweep, as another node's").isEqualTo(new Swept(0, 0, true));
        });
    }

    /** Without the check right before each delete, the job written after the job table was read would lose its style. */
    @Test
    void aRowWrittenWhileTheSweepRunsKeepsItsBlob() {
        run("h2", context -> {
            BlobStore store = context.getBean(BlobStore.class);
            JdbcClient jdbc = context.getBean(JdbcClient.class);
            String content = store.put(bytes("content"));
            String style = store.put(bytes("a style uploaded again, after its first job was removed long ago"));
            age(blob(content));
            age(blob(style));
            List<BlobReferences> owners = new ArrayList<>(context.getBeanProvider(BlobReferences.class).orderedStream().toList());
            assertThat(owners).as("the job and classifier features").hasSize(2);
            owners.add(new BlobReferences() {
                @Override
                public Set<String> referencedBlobs() {
                    // a submission on another node, committed after the features above were read
                    insertJob(jdbc, content, List.of(content, style), List.of(), null, null, null);
                    return Set.of();
                }

                @Override
                public boolean references(String key) {
                    return false;
                }
            });
            OrphanedBlobs sweep = new OrphanedBlobs(store, owners, context.getBean(StorageProperties.class), new SimpleMeterRegistry());

            assertThat(sweep.sweep()).isEqualTo(new Swept(0, 0, true));

            assertThat(store.exists(content)).isTrue();
            assertThat(store.exists(style)).isTrue();
        });
    }

    @Test
    void aDatabaseOutageStopsTheSweepQuietlyUntilTheNext(CapturedOutput output) {
        run("h2", context -> {
            BlobStore store = context.getBean(BlobStore.class);
            String orphan = store.put(bytes("an orphan"));
            age(blob(orphan));
            ((HikariDataSource) context.getBean(DataSource.class)).close();

            Swept swept = context.getBean(OrphanedBlobs.class).sweep();

            assertThat(swept).isEqualTo(new Swept(0, 0, false));
            assertThat(store.exists(orphan)).isTrue();
            assertThat(output).contains("WARN").contains("Orphan sweep stopped by an outage");
        });
    }

    @Test
    void withoutAnyFeatureDeclaringItsBlobsNoneIsRemoved() throws IOException {
        BlobStore store = new FilesystemBlobStore(root);
        String blob = store.put(bytes("a blob some feature keeps"));
        age(blob(blob));
        OrphanedBlobs sweep = new OrphanedBlobs(store, List.of(), properties(), new SimpleMeterRegistry());

        assertThat(sweep.sweep()).isEqualTo(new Swept(0, 0, true));
        assertThat(store.exists(blob)).isTrue();
    }

    private StorageProperties properties() {
        return new StorageProperties(StorageProperties.Type.FILESYSTEM, root,
                new StorageProperties.S3(null, "", null, null, null, null, true), Duration.ofHours(1), Duration.ofHours(1));
    }

    private void run(String database, ContextConsumer<AssertableApplicationContext> test) {
        ApplicationContextRunner contexts = new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, FlywayAutoConfiguration.class,
                        JdbcTemplateAutoConfiguration.class, JdbcClientAutoConfiguration.class, JacksonAutoConfiguration.class))
                .withUserConfiguration(Features.class, StorageConfiguration.class, OrphanedBlobs.class)
                .withPropertyValues("pastiche.storage.root=" + root);
        if (database.equals("h2")) {
            contexts.withPropertyValues("spring.datasource.url=jdbc:h2:mem:orphans-" + UUID.randomUUID()
                    + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH").run(test);
            return;
        }
        TestPostgres.Schema schema = TestPostgres.freshSchema("orphans");
        try {
            contexts.withPropertyValues("spring.datasource.url=" + schema.url(), "spring.datasource.username=" + TestPostgres.USER,
                    "spring.datasource.password=" + TestPostgres.PASSWORD).run(test);
        } finally {
            schema.drop();
        }
    }

    /** The features that own blobs: their references and the repositories those read, nothing else of theirs. */
    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(StorageProperties.class)
    @ComponentScan(basePackages = {"dev.pastiche.job", "dev.pastiche.classifier"}, useDefaultFilters = false, includeFilters = {
            @ComponentScan.Filter(type = FilterType.ASSIGNABLE_TYPE, classes = BlobReferences.class),
            @ComponentScan.Filter(type = FilterType.REGEX, pattern = "dev\\.pastiche\\.(job\\.Job|classifier\\.Classifier)Repository")})
    static class Features {

        @Bean
        SimpleMeterRegistry meters() {
            return new SimpleMeterRegistry();
        }
    }

    private static void insertJob(JdbcClient jdbc, String content, List<String> styles, List<String> masks, String preview,
                                  String result, String checkpoint) {
        jdbc.sql("""
                INSERT INTO style_transfer_job (id, owner, status, created_at, options, content_blob, style_blobs, mask_blobs,
                preview_blob, result_blob, checkpoint_blob)
                VALUES (:id, 'owner', 'RUNNING', :at, '{}', :content, :styles, :masks, :preview, :result, :checkpoint)""")
                .param("id", UUID.randomUUID()).param("at", Instant.now().atOffset(ZoneOffset.UTC)).param("content", content)
                .param("styles", String.join(",", styles)).param("masks", masks.isEmpty() ? null : String.join(",", masks))
                .param("preview", preview).param("result", result).param("checkpoint", checkpoint).update();
    }

    private static void insertClassifier(JdbcClient jdbc, String status, String images, String head) {
        jdbc.sql("""
                INSERT INTO classifier (id, owner, status, created_at, options, classes, labels, images_blob, head_blob)
                VALUES (:id, 'owner', :status, :at, '{}', '[]', '[]', :images, :head)""")
                .param("id", UUID.randomUUID()).param("status", status).param("at", Instant.now().atOffset(ZoneOffset.UTC))
                .param("images", images).param("head", head).update();
    }

    private Path blob(String key) {
        return root.resolve(key.substring(0, 2)).resolve(key.substring(2, 4)).resolve(key);
    }

    /** Past the default grace. */
    private static Path age(Path file) throws IOException {
        return Files.setLastModifiedTime(file, FileTime.from(Instant.now().minus(PAST_GRACE)));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
