package dev.pastiche.storage;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Where images rest ({@code pastiche.storage.*}).
 *
 * @param type which store: {@code filesystem} for one process, {@code s3} for a cluster
 * @param root the directory of the filesystem store
 * @param s3 the bucket of the S3 store
 * @param orphanSweep how often every node removes blobs that no row refers to: left by a process killed
 *     between storing a blob and writing its row, or superseded previews (docs/reliability.md)
 * @param orphanGrace how old an unreferenced blob must be before the sweep removes it; it must exceed
 *     the time from a put to the write of the row that refers to its blob (milliseconds)
 */
@Validated
@ConfigurationProperties("pastiche.storage")
public record StorageProperties(
        @DefaultValue("filesystem") @NotNull Type type,
        @DefaultValue("data/blobs") @NotNull Path root,
        @DefaultValue @Valid S3 s3,
        @DefaultValue("1h") @NotNull @DurationMin(seconds = 1) Duration orphanSweep,
        @DefaultValue("1h") @NotNull @DurationMin(minutes = 1) Duration orphanGrace) {

    public enum Type {
        FILESYSTEM, S3
    }

    /**
     * An S3 bucket, on AWS or on any S3-compatible server ({@code pastiche.storage.s3.*}).
     *
     * @param bucket the bucket, which must exist; required when {@code type} is {@code s3}
     * @param prefix prepended to every key, e.g. {@code blobs/}; empty for the bucket's root
     * @param region the signing region; unset: the SDK's region chain ({@code AWS_REGION}, profile,
     *     instance metadata), or {@code us-east-1} when an {@code endpoint} is set
     * @param endpoint the server's URL for S3-compatible servers (MinIO, Ceph, …); unset: AWS
     * @param accessKey with {@code secretKey}, static credentials; both unset: the SDK's default
     *     credentials chain (environment, profile, web identity, instance role)
     * @param secretKey the secret that goes with {@code accessKey}
     * @param pathStyle {@code http://host/bucket/key} rather than {@code http://bucket.host/key}:
     *     what most S3-compatible servers need
     */
    public record S3(
            String bucket,
            @DefaultValue("") @NotNull String prefix,
            String region,
            URI endpoint,
            String accessKey,
            String secretKey,
            @DefaultValue("true") boolean pathStyle) {

        /** Keeps the secret out of logs and failure reports. */
        @Override
        public String toString() {
            return "S3[bucket=" + bucket + ", prefix=" + prefix + ", region=" + region + ", endpoint=" + endpoint
                    + ", accessKey=" + accessKey + ", secretKey=" + (secretKey == null ? null : "******")
                    + ", pathStyle=" + pathStyle + "]";
        }
    }
}
