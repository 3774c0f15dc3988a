package dev.pastiche.job;

import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * Removes finished jobs and their images after {@code pastiche.jobs.retention} (default 7 days).
 * Every node may run it: deletions are idempotent.
 */
@Configuration(proxyBeanMethods = false)
@EnableScheduling
class Retention {

    private static final Logger log = LoggerFactory.getLogger(Retention.class);

    private final StyleTransferService service;
    private final JobsProperties properties;

    Retention(StyleTransferService service, JobsProperties properties) {
        this.service = service;
        this.properties = properties;
    }

    @Scheduled(fixedDelayString = "${pastiche.jobs.retention-check:PT1H}", initialDelayString = "${pastiche.jobs.retention-check:PT1H}")
    void purge() {
        int removed = service.purgeFinishedBefore(Instant.now().minus(properties.retention()));
        if (removed > 0) {
            log.info("Removed {} finished jobs older than {}", removed, properties.retention());
        }
    }
}
