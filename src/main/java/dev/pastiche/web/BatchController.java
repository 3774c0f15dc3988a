package dev.pastiche.web;

import dev.pastiche.job.Batch;
import dev.pastiche.job.BatchMode;
import dev.pastiche.job.JobRecord;
import dev.pastiche.job.StyleTransferService;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

/** Batches of style-transfer jobs (API.md): grid or blend, aggregate counts, results.zip. */
@Tag(name = "style transfers", description = "Durable asynchronous style-transfer jobs")
@RestController
@RequestMapping("/v1/style-transfer-batches")
class BatchController {

    private final StyleTransferService service;
    private final StyleTransferController jobs;

    BatchController(StyleTransferService service, StyleTransferController jobs) {
        this.service = service;
        this.jobs = jobs;
    }

    record BatchView(UUID id, String mode, List<UUID> jobs, Map<String, Integer> counts, String results) {
    }

    @Operation(operationId = "createStyleTransferBatch", summary = "Start a batch",
            description = "multipart: content (1–100), style (1–8), mask (optional, one per style), options (JSON), mode grid|blend")
    @ApiResponse(responseCode = "202", description = "Queued: the batch and its jobs", headers = @Header(name = "Location", description = "The batch: /v1/style-transfer-batches/{id}", schema = @Schema(type = "string", format = "uri-reference")))
    @Problems({ProblemType.QUEUE_FULL, ProblemType.STORAGE_UNAVAILABLE})
    @PostMapping(consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    ResponseEntity<BatchView> create(@RequestPart("content") List<MultipartFile> contents, @RequestPart("style") List<MultipartFile> styles,
            @RequestPart(value = "mask", required = false) List<MultipartFile> masks,
            @RequestPart(value = "options", required = false) @JsonPart(OpenApiContract.STYLE_TRANSFER_OPTIONS) String options,
            @Parameter(schema = @Schema(allowableValues = {"grid", "blend"})) @RequestParam("mode") String mode,
            @RequestAttribute(ApiKeyFilter.OWNER) String owner) {
        BatchMode batchMode;
        try {
            batchMode = BatchMode.parse(mode);
        } catch (IllegalArgumentException e) {
            throw ApiProblemException.invalidField("mode", e.getMessage());
        }
        StyleTransferController.ParsedOptions parsed = jobs.parse(options);
        Batch batch = service.submitBatch(owner, bytes(contents), bytes(styles), masks == null ? List.of() : bytes(masks), parsed.transfer(),
                parsed.outputFormat(), parsed.webhook(), batchMode);
        return ResponseEntity.status(HttpStatus.ACCEPTED).location(URI.create("/v1/style-transfer-batches/" + batch.id())).body(view(batch));
    }

    @Operation(operationId = "getStyleTransferBatch", summary = "A batch: its jobs and how many are in each state")
    @Problems(ProblemType.STORAGE_UNAVAILABLE)
    @GetMapping("/{id}")
    BatchView get(@PathVariable UUID id, @RequestAttribute(ApiKeyFilter.OWNER) String owner) {
        return view(service.batch(owner, id));
    }

    @Operation(operationId = "getStyleTransferBatchResults",
            summary = "The results of a finished batch as a zip, one image per succeeded job (409 not-ready before)")
    @ApiResponse(responseCode = "200", description = "A zip of the results",
            content = @Content(mediaType = "application/zip", schema = @Schema(type = "string", format = "binary")))
    @Problems({ProblemType.NOT_READY, ProblemType.STORAGE_UNAVAILABLE})
    @GetMapping(path = "/{id}/results.zip", produces = "application/zip")
    ResponseEntity<byte[]> results(@PathVariable UUID id, @RequestAttribute(ApiKeyFilter.OWNER) String owner) {
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(zip)) {
            for (Map.Entry<String, byte[]> result : service.batchResults(owner, id).entrySet()) {
                out.putNextEntry(new ZipEntry(result.getKey()));
                out.write(result.getValue());
                out.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return ResponseEntity.ok().contentType(MediaType.parseMediaType("application/zip"))
                .header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"batch-" + id + ".zip\"").body(zip.toByteArray());
    }

    private static BatchView view(Batch batch) {
        Map<String, Integer> counts = new TreeMap<>();
        for (JobRecord job : batch.jobs()) {
            counts.merge(job.status().label(), 1, Integer::sum);
        }
        String self = "/v1/style-transfer-batches/" + batch.id();
        return new BatchView(batch.id(), batch.mode().label(), batch.jobs().stream().map(JobRecord::id).toList(), counts,
                self + "/results.zip");
    }

    private static List<byte[]> bytes(List<MultipartFile> files) {
        List<byte[]> all = new ArrayList<>();
        for (MultipartFile file : files) {
            try {
                all.add(file.getBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return all;
    }
}
