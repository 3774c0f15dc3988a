package dev.pastiche.job;

import java.util.List;
import java.util.Set;

/**
 * Where to announce the end of a job (API.md {@code webhook: {url, events}}).
 *
 * @param events which of {@code style-transfer.succeeded|failed|cancelled} to send; empty or null means all
 */
public record Webhook(String url, List<String> events) {

    public static final Set<String> EVENTS = Set.of("style-transfer.succeeded", "style-transfer.failed", "style-transfer.cancelled");

    boolean wants(String event) {
        return events == null || events.isEmpty() || events.contains(event);
    }
}
