package dev.pastiche.web;

import dev.pastiche.job.WebhookStatus;
import java.time.Instant;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/** A job as API.md shows it. */
record JobView(UUID id, String status, Instant createdAt, Instant startedAt, Instant finishedAt, JsonNode options,
        JsonNode progress, JsonNode result, Error error, JsonNode recipe, WebhookStatus webhook, Links links) {

    record Links(String self, String events, String preview, String result, String cancel) {
    }

    record Error(String type, String detail) {
    }
}
