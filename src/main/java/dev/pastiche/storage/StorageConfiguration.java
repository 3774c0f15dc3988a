package dev.pastiche.storage;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.StringUtils;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

@Configuration(proxyBeanMethods = false)
class StorageConfiguration {

    @Bean
    BlobStore blobStore(StorageProperties properties) {
        return switch (properties.type()) {
            case FILESYSTEM -> new FilesystemBlobStore(properties.root());
            case S3 -> s3BlobStore(properties.s3());
        };
    }

    private static S3BlobStore s3BlobStore(StorageProperties.S3 s3) {
        if (!StringUtils.hasText(s3.bucket())) {
            throw new InvalidConfigurationPropertyValueException("pastiche.storage.s3.bucket", s3.bucket(),
                    "A bucket is required when pastiche.storage.type is s3.");
        }
        return new S3BlobStore(s3Client(s3), s3.bucket(), s3.prefix());
    }

    private static S3Client s3Client(StorageProperties.S3 s3) {
        boolean endpointSet = s3.endpoint() != null && StringUtils.hasText(s3.endpoint().toString());
        S3ClientBuilder client = S3Client.builder().forcePathStyle(s3.pathStyle());
        if (endpointSet) {
            client.endpointOverride(s3.endpoint());
        }
        if (StringUtils.hasText(s3.region())) {
            client.region(Region.of(s3.region()));
        } else if (endpointSet) {
            // S3-compatible servers mostly ignore the region, but requests must be signed for one
            client.region(Region.US_EAST_1);
        }
        boolean accessKeySet = StringUtils.hasText(s3.accessKey());
        boolean secretKeySet = StringUtils.hasText(s3.secretKey());
        if (accessKeySet != secretKeySet) {
            String missing = accessKeySet ? "pastiche.storage.s3.secret-key" : "pastiche.storage.s3.access-key";
            throw new InvalidConfigurationPropertyValueException(missing, null,
                    "Set both pastiche.storage.s3.access-key and secret-key, or neither to use the AWS SDK's default credentials chain.");
        }
        if (accessKeySet) {
            client.credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(s3.accessKey(), s3.secretKey())));
        }
        return client.build();
    }
}
