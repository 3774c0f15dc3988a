package dev.pastiche.job;

import java.time.Instant;
import java.util.List;

/**
 * A job's webhook as the job shows it: where it goes, which events, and each delivery so far.
 *
 * @param events null or empty: all
 */
public record WebhookStatus(String url, List<String> events, List<DeliveryStatus> deliveries) {

    /**
     * @param lastStatus the receiver's last HTTP status, or the kind of failure (e.g. {@code ConnectException})
     * @param deliveredAt null until the receiver answered 2xx
     */
    public record DeliveryStatus(String event, int attempts, String lastStatus, Instant deliveredAt) {
    }
}
