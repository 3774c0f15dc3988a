package dev.pastiche.web;

import java.net.URI;
import org.springframework.http.HttpStatus;

/** The problem slugs of API.md, each with its status; the one place their URIs are spelled. */
public enum ProblemType {
    VALIDATION("validation", "Invalid request", HttpStatus.BAD_REQUEST),
    UNAUTHORIZED("unauthorized", "Unauthorized", HttpStatus.UNAUTHORIZED),
    NOT_FOUND("not-found", "Not found", HttpStatus.NOT_FOUND),
    METHOD_NOT_ALLOWED("method-not-allowed", "Method not allowed", HttpStatus.METHOD_NOT_ALLOWED),
    NOT_ACCEPTABLE("not-acceptable", "Not acceptable", HttpStatus.NOT_ACCEPTABLE),
    NOT_READY("not-ready", "Not ready", HttpStatus.CONFLICT),
    IDEMPOTENCY_CONFLICT("idempotency-conflict", "Idempotency key reused", HttpStatus.CONFLICT),
    PAYLOAD_TOO_LARGE("payload-too-large", "Payload too large", HttpStatus.PAYLOAD_TOO_LARGE),
    UNSUPPORTED_MEDIA_TYPE("unsupported-media-type", "Unsupported media type", HttpStatus.UNSUPPORTED_MEDIA_TYPE),
    INVALID_IMAGE("invalid-image", "Invalid image", HttpStatus.UNPROCESSABLE_CONTENT),
    IMAGE_TOO_LARGE("image-too-large", "Image too large", HttpStatus.UNPROCESSABLE_CONTENT),
    /** Not in API.md's first list: added with the per-key rate limit, spelt like the others. */
    RATE_LIMITED("rate-limited", "Too many requests", HttpStatus.TOO_MANY_REQUESTS),
    QUEUE_FULL("queue-full", "Queue full", HttpStatus.SERVICE_UNAVAILABLE),
    MODEL_UNAVAILABLE("model-unavailable", "Model unavailable", HttpStatus.SERVICE_UNAVAILABLE),
    STORAGE_UNAVAILABLE("storage-unavailable", "Storage unavailable", HttpStatus.SERVICE_UNAVAILABLE),
    INTERNAL("internal", "Internal error", HttpStatus.INTERNAL_SERVER_ERROR);

    public static final String BASE = "https://pastiche.dev/problems/";

    private final String slug;
    private final String title;
    private final HttpStatus status;

    ProblemType(String slug, String title, HttpStatus status) {
        this.slug = slug;
        this.title = title;
        this.status = status;
    }

    public URI uri() {
        return URI.create(BASE + slug);
    }

    public String slug() {
        return slug;
    }

    public String title() {
        return title;
    }

    public HttpStatus status() {
        return status;
    }
}
