package dev.pastiche.web;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * The whole service as the reliability tests see it: three API keys, a CORS allow-list, a per-key
 * rate limit, low size limits (so size errors need only small uploads), a scoring queue of one, and no job worker (jobs
 * stay as the API leaves them, as on a cluster's API pods). One annotation, so the test classes
 * that use it share one application context.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "pastiche.weights.source=random",
        "pastiche.security.api-keys=" + GuardedServiceTest.ALPHA + "," + GuardedServiceTest.BETA + "," + GuardedServiceTest.GAMMA,
        "pastiche.security.cors.allowed-origins=" + GuardedServiceTest.ALLOWED_ORIGIN,
        "pastiche.security.rate-limit.capacity=" + GuardedServiceTest.RATE_CAPACITY,
        "pastiche.security.rate-limit.requests-per-minute=60",
        "pastiche.webhooks.secret=" + GuardedServiceTest.WEBHOOK_SECRET,
        "spring.servlet.multipart.max-file-size=200KB",
        "spring.servlet.multipart.max-request-size=1MB",
        "pastiche.image.max-pixels=100000",
        "pastiche.classifiers.max-uncompressed=4MB",
        // one scoring request computing and one waiting at most: the tests score one at a time, but for the queue's own
        "pastiche.model.max-queued=1",
        "jobrunr.background-job-server.enabled=false"})
@interface GuardedServiceTest {

    String ALPHA = "alpha-key-7f3c9d";
    String BETA = "beta-key-41e0aa";
    /** Used only by the rate-limit test, which spends its whole bucket. */
    String GAMMA = "gamma-key-9b2d55";
    String ALLOWED_ORIGIN = "https://studio.example.com";
    int RATE_CAPACITY = 300;
    String WEBHOOK_SECRET = "whsec_c2VjcmV0LW5ldmVyLWluLWxvZ3M=";
}
