package dev.pastiche.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;

/** The S3 store against a real S3-compatible server (S3Mock), one fresh bucket per test. */
class S3BlobStoreTests {

    private static final AtomicInteger buckets = new AtomicInteger();

    @TempDir
    static Path directory;

    static S3Mock mock;

    /** The S3 operations the store sent, by name (PutObject, HeadObject, …). */
    private final List<String> operations = new CopyOnWriteArrayList<>();

    private S3Client admin;
    private String bucket;
    private S3BlobStore store;

    @BeforeAll
    static void startMock() throws Exception {
        mock = S3Mock.start(directory);
    }

    @AfterAll
    static void stopMock() throws Exception {
        if (mock != null) {
            mock.close();
        }
    }

    @BeforeEach
    void createBucket() {
        admin = mock.client();
        bucket = "blobs-" + buckets.incrementAndGet();
        admin.createBucket(request -> request.bucket(bucket));
        store = new S3BlobStore(mock.client(new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                operations.add(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME));
            }

            /** Pages of two objects, so that a listing crosses pages with a handful of them. */
            @Override
            public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
                return context.request() instanceof ListObjectsV2Request list ? list.toBuilder().maxKeys(2).build() : context.request();
            }
        }), bucket, "images/");
    }

    @AfterEach
    void closeClients() {
        store.close();
        admin.close();
    }

    @Test
    void storesBytesUnderTheirSha256AndReadsThemBack() throws Exception {
        byte[] data = "a picture".getBytes(StandardCharsets.UTF_8);
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(data);
        String key = store.put(data);
        assertThat(key).isEqualTo(HexFormat.of().formatHex(digest));
        assertThat(store.get(key)).contains(data);
        assertThat(store.exists(key)).isTrue();
        assertThat(admin.getObjectAsBytes(request -> request.bucket(bucket).key("images/" + key)).asByteArray()).isEqualTo(data);
        // uploaded with its SHA-256 for the server to check
        assertThat(admin.headObject(request -> request.bucket(bucket).key("images/" + key).checksumMode(ChecksumMode.ENABLED))
                .checksumSHA256()).isEqualTo(Base64.getEncoder().encodeToString(digest));
    }

    @Test
    void theSameBytesAreUploadedOnceAndDeletionRemovesThem() {
        String first = store.put(new byte[] {1, 2, 3});
        String second = store.put(new byte[] {1, 2, 3});
        assertThat(second).isEqualTo(first);
        assertThat(operations).containsExactly("HeadObject", "PutObject", "HeadObject");
        store.delete(first);
        assertThat(store.exists(first)).isFalse();
        assertThat(store.get(first)).isEmpty();
        store.delete(first);
    }

    /** S3 keeps LastModified as the server set it, so the cutoffs are placed around the puts instead of ageing objects. */
    @Test
    void listsTheBlobsUnderThePrefixLastWrittenBeforeTheCutoff() throws Exception {
        Instant beforePuts = Instant.now().minusSeconds(5); // S3 keeps LastModified to the second
        List<String> keys = IntStream.range(0, 5).mapToObj(i -> store.put(new byte[] {(byte) i})).toList();
        // objects that are not blobs: under the prefix but not a key, a key outside the prefix or below a folder
        String stray = "f".repeat(64);
        for (String other : List.of("images/notes.txt", "images/sub/" + stray, "elsewhere/" + stray, stray)) {
            admin.putObject(request -> request.bucket(bucket).key(other), RequestBody.fromString("x"));
        }
        operations.clear();

        assertThat(store.keysOlderThan(Instant.now().plusSeconds(5))).containsExactlyInAnyOrderElementsOf(keys);
        assertThat(operations).as("seven objects under the prefix, in pages of two").containsExactly("ListObjectsV2", "ListObjectsV2", "ListObjectsV2", "ListObjectsV2");
        assertThat(store.keysOlderThan(beforePuts)).isEmpty();
        assertThat(store.deletePartialUploads(Instant.now().plusSeconds(5))).as("a PutObject leaves nothing behind").isZero();
    }

    @Test
    void aMissingBlobIsEmptyNotAnError() {
        String key = "0".repeat(64);
        assertThat(store.get(key)).isEmpty();
        assertThat(store.exists(key)).isFalse();
        store.delete(key);
    }

    @Test
    void survivesConcurrentPutsOfTheSameBytes() throws Exception {
        byte[] data = new byte[1 << 20];
        new Random(1).nextBytes(data);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<String>> keys = IntStream.range(0, 8).mapToObj(i -> pool.submit(() -> store.put(data))).toList();
            for (Future<String> key : keys) {
                assertThat(store.get(key.get())).hasValueSatisfying(bytes -> assertThat(bytes).isEqualTo(data));
            }
        } finally {
            pool.shutdown();
        }
        assertThat(admin.listObjectsV2(request -> request.bucket(bucket)).contents()).singleElement()
                .satisfies(object -> assertThat(object.size()).isEqualTo(data.length));
    }

    @Test
    void refusesKeysThatAreNotDigestsWithoutAskingTheServer() {
        assertThatThrownBy(() -> store.get("../../etc/passwd")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.exists("images/x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.delete("ABC")).isInstanceOf(IllegalArgumentException.class);
        assertThat(operations).isEmpty();
    }

    @Test
    void probePassesOnTheBucketAndFailsWithoutIt() {
        store.probe();
        assertThat(operations).containsExactly("HeadBucket");

        try (S3BlobStore missing = new S3BlobStore(mock.client(), "no-such-bucket", "")) {
            assertThatThrownBy(missing::probe).isInstanceOf(BlobStoreUnavailableException.class).hasMessageContaining("404");
        }
    }

    /** Readiness asks every few seconds, under a 1 s probe timeout: a store that never answers is DOWN within PROBE_TIMEOUT. */
    @Test
    void probeOfAStoreThatNeverAnswersGivesUpQuickly() throws Exception {
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
             S3Client client = S3Client.builder().endpointOverride(java.net.URI.create("http://127.0.0.1:" + silent.getLocalPort()))
                     .region(software.amazon.awssdk.regions.Region.US_EAST_1).forcePathStyle(true)
                     .credentialsProvider(software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider.create()).build()) {
            S3BlobStore hanging = new S3BlobStore(client, "blobs", "");
            long start = System.nanoTime();
            assertThatThrownBy(hanging::probe).isInstanceOf(BlobStoreUnavailableException.class);
            assertThat(java.time.Duration.ofNanos(System.nanoTime() - start)).isLessThan(S3BlobStore.PROBE_TIMEOUT.plusMillis(700));
        }
    }

    @Test
    void typeS3WiresAnS3StoreOnTheConfiguredServer() {
        new ApplicationContextRunner()
                .withUserConfiguration(StorageConfiguration.class, BindStorageProperties.class)
                .withPropertyValues("pastiche.storage.type=s3",
                        "pastiche.storage.s3.endpoint=" + mock.endpoint(),
                        "pastiche.storage.s3.bucket=" + bucket,
                        "pastiche.storage.s3.prefix=wired/",
                        "pastiche.storage.s3.access-key=" + S3Mock.ACCESS_KEY,
                        "pastiche.storage.s3.secret-key=" + S3Mock.SECRET_KEY)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    BlobStore wired = context.getBean(BlobStore.class);
                    assertThat(wired).isInstanceOf(S3BlobStore.class);
                    String key = wired.put(new byte[] {4, 5, 6});
                    assertThat(admin.headObject(request -> request.bucket(bucket).key("wired/" + key)).contentLength()).isEqualTo(3);
                });
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(StorageProperties.class)
    static class BindStorageProperties {
    }
}
