package dev.pastiche.web;

import dev.pastiche.job.WebhookStatus;
import dev.pastiche.transfer.TransferProgress;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/** A job as API.md shows it. */
record JobView(UUID id, String status, Instant createdAt, Instant startedAt, Instant finishedAt,
        @Schema(ref = OpenApiContract.STYLE_TRANSFER_OPTIONS, description = "the options as resolved, with the seed used") JsonNode options,
        @Schema(implementation = TransferProgress.class) JsonNode progress, JsonNode result, Error error, JsonNode recipe,
        WebhookStatus webhook, Links links) {

    record Links(String self, String events, String preview, String result, String cancel) {
    }

    @Schema(name = "JobError", description = "Why a job failed: a problem slug and what happened")
    record Error(String type, String detail) {
    }
}
