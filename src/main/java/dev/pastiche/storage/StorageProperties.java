package dev.pastiche.storage;

import jakarta.validation.constraints.NotNull;
import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Where images rest ({@code pastiche.storage.*}).
 *
 * @param root the directory of the filesystem store
 */
@Validated
@ConfigurationProperties("pastiche.storage")
public record StorageProperties(@DefaultValue("data/blobs") @NotNull Path root) {
}
