package dev.pastiche.web;

/**
 * When each problem of API.md happens, and a detail as the service writes it (the messages of the
 * exceptions and filters that answer it), for the OpenAPI document's responses and examples.
 */
final class ProblemDescriptions {

    private ProblemDescriptions() {
    }

    static String of(ProblemType type) {
        return switch (type) {
            case VALIDATION -> "a parameter, option, header or part is invalid, missing, unknown or repeated (see errors)";
            case UNAUTHORIZED -> "API keys are configured and the request has no valid Authorization: Bearer key";
            case NOT_FOUND -> "no such resource for this API key";
            case METHOD_NOT_ALLOWED -> "the path does not take this method";
            case NOT_ACCEPTABLE -> "the Accept header names no media type this operation produces";
            case NOT_READY -> "the job has not succeeded (yet)";
            case IDEMPOTENCY_CONFLICT -> "the Idempotency-Key was used before with a different request";
            case PAYLOAD_TOO_LARGE -> "a part, the request or its number of parts is over the limits (spring.servlet.multipart.*)";
            case UNSUPPORTED_MEDIA_TYPE -> "the body is not multipart/form-data, or an image part is neither PNG nor JPEG";
            case INVALID_IMAGE -> "an image cannot be decoded, or its size does not fit (e.g. differently sized images without resize)";
            case IMAGE_TOO_LARGE -> "an image's declared pixels are over pastiche.image.max-pixels, checked before decoding";
            case RATE_LIMITED -> "this API key is over its request rate (pastiche.security.rate-limit); retry after Retry-After";
            case QUEUE_FULL -> "too many jobs or scoring requests wait; retry after Retry-After";
            case MODEL_UNAVAILABLE -> "the network (or LPIPS) has no weights loaded; the detail names the properties to set";
            case STORAGE_UNAVAILABLE -> "the database or blob store cannot be reached; nothing was done; retry after Retry-After";
            case INTERNAL -> "an unexpected error, logged by the service";
        };
    }

    static String example(ProblemType type) {
        return switch (type) {
            case VALIDATION -> "iterations: must be between 1 and 5000, got 0";
            case UNAUTHORIZED -> "this API needs an API key: send Authorization: Bearer <key>";
            case NOT_FOUND -> "there is no style-transfer job 4c1f0f0e-8a4e-4a59-9a62-6d1b1f2a7c3e";
            case METHOD_NOT_ALLOWED -> "DELETE is not supported here; use GET";
            case NOT_ACCEPTABLE -> "this resource is available as image/png";
            case NOT_READY -> "job 4c1f0f0e-8a4e-4a59-9a62-6d1b1f2a7c3e is running; its result exists once it has succeeded";
            case IDEMPOTENCY_CONFLICT -> "Idempotency-Key 'upload-42' was used before with a different request; use a new key for a new request";
            case PAYLOAD_TOO_LARGE -> "the upload is larger than allowed (see spring.servlet.multipart.max-file-size); send smaller files";
            case UNSUPPORTED_MEDIA_TYPE -> "reference is not a PNG or JPEG image (judged by its content, not its name or declared type); "
                    + "send a PNG or JPEG file";
            case INVALID_IMAGE -> "candidate is 64×48 but reference is 48×64; send images of one size or resize=true";
            case IMAGE_TOO_LARGE -> "reference is 60000×60000 = 3600000000 pixels; the limit is 16777216 (pastiche.image.max-pixels): "
                    + "scale it down";
            case RATE_LIMITED -> "this API key has used its 600 requests per minute (bursts of 100); retry after 2 s";
            case QUEUE_FULL -> "64 style-transfer jobs are waiting already (pastiche.jobs.max-queued); retry later";
            case MODEL_UNAVAILABLE -> "pretrained weights are required (pastiche.weights.require-pretrained) but none were found; "
                    + "set pastiche.weights.path";
            case STORAGE_UNAVAILABLE -> "the service's storage (its database or blob store) cannot be reached just now, so the request "
                    + "was not carried out; retry in a few seconds";
            case INTERNAL -> "an unexpected error occurred; it has been logged";
        };
    }

    static String exampleInstance(ProblemType type) {
        return switch (type) {
            case NOT_FOUND, NOT_READY -> "/v1/style-transfers/4c1f0f0e-8a4e-4a59-9a62-6d1b1f2a7c3e/result";
            case IDEMPOTENCY_CONFLICT, QUEUE_FULL -> "/v1/style-transfers";
            default -> "/v1/perceptual-distance";
        };
    }
}
