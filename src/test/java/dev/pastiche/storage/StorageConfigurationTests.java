package dev.pastiche.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

class StorageConfigurationTests {

    @TempDir
    Path root;

    private final ApplicationContextRunner contexts = new ApplicationContextRunner()
            .withUserConfiguration(StorageConfiguration.class, BindStorageProperties.class);

    @Test
    void theFilesystemStoreIsTheDefault() {
        contexts.withPropertyValues("pastiche.storage.root=" + root).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(BlobStore.class)).isInstanceOf(FilesystemBlobStore.class);
        });
    }

    @Test
    void s3WithoutABucketStopsStartUpNamingTheProperty() {
        contexts.withPropertyValues("pastiche.storage.type=s3", "pastiche.storage.s3.endpoint=http://127.0.0.1:1").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause()
                    .isInstanceOf(InvalidConfigurationPropertyValueException.class)
                    .hasMessageContaining("pastiche.storage.s3.bucket");
        });
    }

    @Test
    void anAccessKeyWithoutItsSecretStopsStartUp() {
        contexts.withPropertyValues("pastiche.storage.type=s3", "pastiche.storage.s3.bucket=images",
                "pastiche.storage.s3.endpoint=http://127.0.0.1:1", "pastiche.storage.s3.access-key=someone").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause()
                    .isInstanceOf(InvalidConfigurationPropertyValueException.class)
                    .hasMessageContaining("pastiche.storage.s3.secret-key");
        });
    }

    @Test
    void anUnknownTypeStopsStartUp() {
        contexts.withPropertyValues("pastiche.storage.type=tape").run(context -> assertThat(context).hasFailed());
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(StorageProperties.class)
    static class BindStorageProperties {
    }
}
