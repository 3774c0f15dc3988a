package dev.pastiche.web;

import dev.pastiche.job.JobOptions;
import dev.pastiche.job.JobRecord;
import dev.pastiche.job.JobStatus;
import dev.pastiche.job.StyleTransferService;
import dev.pastiche.job.Webhook;
import dev.pastiche.transfer.TransferOptions;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.ExampleObject;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.exc.UnrecognizedPropertyException;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** Asynchronous style-transfer jobs (API.md): create, read, list, result, preview, cancel, delete. */
@Tag(name = "style transfers", description = "Durable asynchronous style-transfer jobs")
@RestController
@RequestMapping("/v1/style-transfers")
class StyleTransferController {

    static final int MAX_PAGE = 100;
    static final int MAX_IDEMPOTENCY_KEY = 255;

    private final StyleTransferService service;
    private final JobViews views;
    private final JobEvents events;
    private final JsonMapper json;
    private final JsonMapper optionsReader;

    StyleTransferController(StyleTransferService service, JobViews views, JobEvents events, JsonMapper json) {
        this.service = service;
        this.views = views;
        this.events = events;
        this.json = json;
        // options are typed by users: a misspelt field is an error rather than a silent default
        this.optionsReader = json.rebuild().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
    }

    record Page(List<JobView> items, String next) {
    }

    @Operation(operationId = "createStyleTransfer", summary = "Start a style transfer", description = "multipart: content (one image), style (1–8 images), "
            + "mask (optional, one per style in the same order: grey or transparent PNG/JPEG, white or opaque = that style applies), "
            + "options (application/json, optional; the options of API.md)")
    @ApiResponse(responseCode = "202", description = "Queued: the job", headers = @Header(name = "Location", description = "The job: /v1/style-transfers/{id}", schema = @Schema(type = "string", format = "uri-reference")))
    @Problems({ProblemType.IDEMPOTENCY_CONFLICT, ProblemType.QUEUE_FULL, ProblemType.STORAGE_UNAVAILABLE})
    @PostMapping(consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    ResponseEntity<JobView> create(@RequestPart("content") MultipartFile content, @RequestPart("style") List<MultipartFile> styles,
            @RequestPart(value = "mask", required = false) List<MultipartFile> masks,
            @RequestPart(value = "options", required = false) @JsonPart(OpenApiContract.STYLE_TRANSFER_OPTIONS) String options,
            @Parameter(description = "A repeat with the same key and request returns the first answer; with another request, 409",
                    schema = @Schema(minLength = 1, maxLength = MAX_IDEMPOTENCY_KEY))
            @RequestHeader(value = "Idempotency-Key", required = false) String idempotencyKey,
            @RequestAttribute(ApiKeyFilter.OWNER) String owner) {
        if (idempotencyKey != null && (idempotencyKey.isBlank() || idempotencyKey.length() > MAX_IDEMPOTENCY_KEY)) {
            throw ApiProblemException.invalidField("Idempotency-Key", "must be 1 to " + MAX_IDEMPOTENCY_KEY + " characters");
        }
        ParsedOptions parsed = parse(options);
        List<byte[]> styleBytes = new ArrayList<>();
        styles.forEach(style -> styleBytes.add(bytes(style)));
        List<byte[]> maskBytes = new ArrayList<>();
        if (masks != null) {
            masks.forEach(mask -> maskBytes.add(bytes(mask)));
        }
        JobRecord job = service.submit(owner, idempotencyKey, bytes(content), styleBytes, maskBytes, parsed.transfer(),
                parsed.outputFormat(), parsed.webhook());
        return ResponseEntity.status(HttpStatus.ACCEPTED).location(URI.create("/v1/style-transfers/" + job.id())).body(view(job));
    }

    @Operation(operationId = "getStyleTransfer", summary = "A style-transfer job")
    @Problems(ProblemType.STORAGE_UNAVAILABLE)
    @GetMapping("/{id}")
    JobView get(@PathVariable UUID id, @RequestAttribute(ApiKeyFilter.OWNER) String owner) {
        return view(service.get(owner, id));
    }

    @Problems(ProblemType.STORAGE_UNAVAILABLE)
    @Operation(operationId = "listStyleTransfers", summary = "Jobs, newest first", description = "next is the cursor of the following page, null on the last")
    @GetMapping
    Page list(@RequestParam(required = false) String status,
            @Parameter(schema = @Schema(type = "integer", format = "int32", minimum = "1", maximum = "" + MAX_PAGE, defaultValue = "20")) @RequestParam(defaultValue = "20") int limit,
            @RequestParam(required = false) UUID cursor, @RequestAttribute(ApiKeyFilter.OWNER) String owner) {
        if (limit < 1 || limit > MAX_PAGE) {
            throw ApiProblemException.invalidField("limit", "must be between 1 and " + MAX_PAGE + ", got " + limit);
        }
        JobStatus filter;
        try {
            filter = status == null ? null : JobStatus.parse(status);
        } catch (IllegalArgumentException e) {
            throw ApiProblemException.invalidField("status", e.getMessage());
        }
        List<JobRecord> jobs = service.page(owner, filter, cursor, limit + 1);
        boolean more = jobs.size() > limit;
        List<JobRecord> page = more ? jobs.subList(0, limit) : jobs;
        return new Page(page.stream().map(this::view).toList(), more ? page.get(limit - 1).id().toString() : null);
    }

    @ApiResponse(responseCode = "200", description = "The stream: `event:` progress, preview, succeeded, failed or cancelled; "
            + "`id:` the event's number; `data:` the job as JSON (the JobView schema)", content = @Content(
            mediaType = MediaType.TEXT_EVENT_STREAM_VALUE, schema = @Schema(type = "string", format = "binary"), examples = @ExampleObject(
                    name = "progress", value = "id:3\nevent:progress\ndata:{\"id\":\"4c1f0f0e-8a4e-4a59-9a62-6d1b1f2a7c3e\",\"status\":\"running\"}\n\n")))
    @Problems(ProblemType.STORAGE_UNAVAILABLE)
    @Operation(operationId = "streamStyleTransferEvents", summary = "The job's changes as server-sent events",
            description = "events progress, preview, succeeded, failed, cancelled; each data is the job; ids increase, and "
                    + "Last-Event-ID resumes after that event. The stream ends with the job.")
    @GetMapping(path = "/{id}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    SseEmitter events(@PathVariable UUID id, @RequestHeader(value = "Last-Event-ID", required = false) String lastEventId,
            @RequestAttribute(ApiKeyFilter.OWNER) String owner) {
        service.get(owner, id);
        long after = -1;
        if (lastEventId != null) {
            try {
                after = Long.parseLong(lastEventId.trim());
            } catch (NumberFormatException e) {
                throw ApiProblemException.invalidField("Last-Event-ID", "must be the id of an event of this stream");
            }
        }
        return events.stream(owner, id, after);
    }

    @Operation(operationId = "getStyleTransferResult", summary = "The stylised image (409 not-ready before success)")
    @ApiResponse(responseCode = "200", description = "The image, in the job's outputFormat", content = {
            @Content(mediaType = MediaType.IMAGE_PNG_VALUE, schema = @Schema(type = "string", format = "binary")),
            @Content(mediaType = MediaType.IMAGE_JPEG_VALUE, schema = @Schema(type = "string", format = "binary"))})
    @Problems({ProblemType.NOT_READY, ProblemType.STORAGE_UNAVAILABLE})
    @GetMapping("/{id}/result")
    ResponseEntity<byte[]> result(@PathVariable UUID id, @RequestAttribute(ApiKeyFilter.OWNER) String owner) {
        JobRecord job = service.get(owner, id);
        byte[] image = service.result(owner, id);
        MediaType type = "jpeg".equals(service.options(job).outputFormat()) ? MediaType.IMAGE_JPEG : MediaType.IMAGE_PNG;
        return ResponseEntity.ok().contentType(type).body(image);
    }

    @Operation(operationId = "getStyleTransferPreview", summary = "The latest intermediate image (404 before the first)")
    @ApiResponse(responseCode = "200", description = "The latest preview, as PNG",
            content = @Content(mediaType = MediaType.IMAGE_PNG_VALUE, schema = @Schema(type = "string", format = "binary")))
    @Problems(ProblemType.STORAGE_UNAVAILABLE)
    @GetMapping("/{id}/preview")
    ResponseEntity<byte[]> preview(@PathVariable UUID id, @RequestAttribute(ApiKeyFilter.OWNER) String owner) {
        byte[] image = service.preview(owner, id).orElseThrow(() -> new ApiProblemException(ProblemType.NOT_FOUND,
                "job " + id + " has no preview yet; previews appear every previewEvery iterations"));
        return ResponseEntity.ok().contentType(MediaType.IMAGE_PNG).body(image);
    }

    @Operation(operationId = "cancelStyleTransfer", summary = "Cancel a job (idempotent; a finished job is unchanged)")
    @ApiResponse(responseCode = "202", description = "Cancelled, or cancelling: the job")
    @Problems(ProblemType.STORAGE_UNAVAILABLE)
    @PostMapping("/{id}/cancel")
    ResponseEntity<JobView> cancel(@PathVariable UUID id, @RequestAttribute(ApiKeyFilter.OWNER) String owner) {
        return ResponseEntity.status(HttpStatus.ACCEPTED).body(view(service.cancel(owner, id)));
    }

    @Operation(operationId = "deleteStyleTransfer", summary = "Delete a job and its images (cancels it first if needed)")
    @ApiResponse(responseCode = "204", description = "Deleted")
    @Problems(ProblemType.STORAGE_UNAVAILABLE)
    @DeleteMapping("/{id}")
    ResponseEntity<Void> delete(@PathVariable UUID id, @RequestAttribute(ApiKeyFilter.OWNER) String owner) {
        service.delete(owner, id);
        return ResponseEntity.noContent().build();
    }

    /** The options part: the engine's options, and the job's own. */
    record ParsedOptions(TransferOptions transfer, String outputFormat, Webhook webhook) {
    }

    /** Parses API.md's options JSON; every problem is a 400 naming the field. */
    ParsedOptions parse(String options) {
        ObjectNode node = parseOptions(options);
        JsonNode format = node.remove("outputFormat");
        JsonNode webhookNode = node.remove("webhook");
        Webhook webhook = null;
        if (webhookNode != null && !webhookNode.isNull()) {
            try {
                webhook = optionsReader.treeToValue(webhookNode, Webhook.class);
            } catch (JacksonException e) {
                throw ApiProblemException.invalidField("webhook", "must be {\"url\": \"https://…\", \"events\": [\"style-transfer.succeeded\", …]}");
            }
            if (webhook.url() == null) {
                throw ApiProblemException.invalidField("webhook", "needs a url");
            }
        }
        TransferOptions transfer;
        try {
            transfer = optionsReader.treeToValue(node, TransferOptions.class);
        } catch (UnrecognizedPropertyException e) {
            throw ApiProblemException.invalidField("options", "unknown option '" + e.getPropertyName() + "'");
        } catch (JacksonException e) {
            throw ApiProblemException.invalidField("options", "a value has the wrong type; see the options of the API");
        }
        String outputFormat = format == null || format.isNull() ? null : format.asString();
        try {
            JobOptions.checkFormat(outputFormat);
        } catch (IllegalArgumentException e) {
            throw ApiProblemException.invalidField("outputFormat", e.getMessage());
        }
        return new ParsedOptions(transfer, outputFormat, webhook);
    }

    private ObjectNode parseOptions(String options) {
        if (options == null || options.isBlank()) {
            return json.createObjectNode();
        }
        try {
            JsonNode node = json.readTree(options);
            if (node instanceof ObjectNode object) {
                return object;
            }
        } catch (JacksonException e) {
            // reported below
        }
        throw ApiProblemException.invalidField("options", "must be a JSON object of the options of the API");
    }

    private JobView view(JobRecord job) {
        return views.view(job);
    }

    private static byte[] bytes(MultipartFile file) {
        try {
            return file.getBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
