package dev.pastiche.web;

import dev.pastiche.classifier.ClassifierNotFoundException;
import dev.pastiche.classifier.ClassifierNotReadyException;
import dev.pastiche.classifier.ClassifierQueueFullException;
import dev.pastiche.classifier.InvalidTrainingSetException;
import dev.pastiche.classifier.TrainingSetTooLargeException;
import dev.pastiche.image.ImageRejectedException;
import dev.pastiche.job.IdempotencyConflictException;
import dev.pastiche.job.JobNotFoundException;
import dev.pastiche.job.JobNotReadyException;
import dev.pastiche.job.QueueFullException;
import dev.pastiche.transfer.InvalidOptionsException;
import dev.pastiche.transfer.TransferTooLargeException;
import dev.pastiche.perception.ModelUnavailableException;
import dev.pastiche.perception.ScoringQueueFullException;
import dev.pastiche.vgg.UnknownLayerException;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.multipart.MaxUploadSizeExceededException;
import org.springframework.web.multipart.MultipartException;
import org.springframework.web.multipart.support.MissingServletRequestPartException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.servlet.resource.NoResourceFoundException;

/**
 * Every error as an RFC 9457 problem with API.md's type URIs and a detail that says what to fix;
 * never a stack trace, class name or engine message.
 */
@RestControllerAdvice
class ApiExceptionHandler extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);
    /** A job at 512² takes minutes; half a minute is a polite first retry. */
    private static final int QUEUE_FULL_RETRY_SECONDS = 30;
    private static final int STORAGE_RETRY_SECONDS = 5;

    @ExceptionHandler(ApiProblemException.class)
    ResponseEntity<Object> apiProblem(ApiProblemException e, WebRequest request) {
        return problem(e.type(), e.getMessage(), e.errors(), request);
    }

    @ExceptionHandler(ImageRejectedException.class)
    ResponseEntity<Object> imageRejected(ImageRejectedException e, WebRequest request) {
        ProblemType type = switch (e.reason()) {
            case UNSUPPORTED_TYPE -> ProblemType.UNSUPPORTED_MEDIA_TYPE;
            case INVALID -> ProblemType.INVALID_IMAGE;
            case TOO_LARGE -> ProblemType.IMAGE_TOO_LARGE;
        };
        return problem(type, e.getMessage(), List.of(), request);
    }

    @ExceptionHandler(UnknownLayerException.class)
    ResponseEntity<Object> unknownLayer(UnknownLayerException e, WebRequest request) {
        return problem(ProblemType.VALIDATION, e.getMessage(), List.of(new ApiProblemException.FieldError("layer", e.getMessage())), request);
    }

    @ExceptionHandler(ModelUnavailableException.class)
    ResponseEntity<Object> modelUnavailable(ModelUnavailableException e, WebRequest request) {
        return problem(ProblemType.MODEL_UNAVAILABLE, e.getMessage(), List.of(), request);
    }

    @ExceptionHandler(InvalidOptionsException.class)
    ResponseEntity<Object> invalidOptions(InvalidOptionsException e, WebRequest request) {
        return problem(ProblemType.VALIDATION, e.getMessage(),
                e.errors().stream().map(f -> new ApiProblemException.FieldError(f.field(), f.message())).toList(), request);
    }

    @ExceptionHandler(InvalidTrainingSetException.class)
    ResponseEntity<Object> invalidTrainingSet(InvalidTrainingSetException e, WebRequest request) {
        return problem(ProblemType.VALIDATION, e.getMessage(),
                e.errors().stream().map(f -> new ApiProblemException.FieldError(f.field(), f.message())).toList(), request);
    }

    @ExceptionHandler(TransferTooLargeException.class)
    ResponseEntity<Object> transferTooLarge(TransferTooLargeException e, WebRequest request) {
        return problem(ProblemType.IMAGE_TOO_LARGE, e.getMessage(), List.of(), request);
    }

    @ExceptionHandler({JobNotFoundException.class, ClassifierNotFoundException.class})
    ResponseEntity<Object> notFound(RuntimeException e, WebRequest request) {
        return problem(ProblemType.NOT_FOUND, e.getMessage(), List.of(), request);
    }

    @ExceptionHandler({JobNotReadyException.class, ClassifierNotReadyException.class})
    ResponseEntity<Object> notReady(RuntimeException e, WebRequest request) {
        return problem(ProblemType.NOT_READY, e.getMessage(), List.of(), request);
    }

    @ExceptionHandler(TrainingSetTooLargeException.class)
    ResponseEntity<Object> trainingSetTooLarge(TrainingSetTooLargeException e, WebRequest request) {
        return problem(ProblemType.PAYLOAD_TOO_LARGE, e.getMessage(), List.of(), request);
    }

    @ExceptionHandler(IdempotencyConflictException.class)
    ResponseEntity<Object> idempotencyConflict(IdempotencyConflictException e, WebRequest request) {
        return problem(ProblemType.IDEMPOTENCY_CONFLICT, e.getMessage(), List.of(), request);
    }

    @ExceptionHandler({QueueFullException.class, ScoringQueueFullException.class, ClassifierQueueFullException.class})
    ResponseEntity<Object> queueFull(RuntimeException e, WebRequest request) {
        ResponseEntity<Object> response = problem(ProblemType.QUEUE_FULL, e.getMessage(), List.of(), request);
        return ResponseEntity.status(response.getStatusCode()).headers(response.getHeaders())
                .header(HttpHeaders.RETRY_AFTER, String.valueOf(QUEUE_FULL_RETRY_SECONDS)).body(response.getBody());
    }

    /**
     * The database or the blob store unreachable: nothing was half-written (an upload's blobs are
     * content-addressed and a job row is written last), and the client may retry once it is back.
     */
    @ExceptionHandler({org.springframework.dao.DataAccessResourceFailureException.class,
            org.springframework.transaction.CannotCreateTransactionException.class,
            // a lock held too long by others, e.g. the queue's admission row under a flood on H2 (1 s lock timeout)
            org.springframework.dao.PessimisticLockingFailureException.class,
            dev.pastiche.storage.BlobStoreUnavailableException.class})
    ResponseEntity<Object> storageUnavailable(RuntimeException e, WebRequest request) {
        log.warn("Storage unavailable on {}: {}", path(request), e.getMessage());
        ResponseEntity<Object> response = problem(ProblemType.STORAGE_UNAVAILABLE, "the service's storage (its database or blob store) "
                + "cannot be reached just now, so the request was not carried out; retry in a few seconds", List.of(), request);
        return ResponseEntity.status(response.getStatusCode()).headers(response.getHeaders())
                .header(HttpHeaders.RETRY_AFTER, String.valueOf(STORAGE_RETRY_SECONDS)).body(response.getBody());
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ResponseEntity<Object> typeMismatch(MethodArgumentTypeMismatchException e, WebRequest request) {
        String message = "'" + e.getValue() + "' is not a valid "
                + (e.getRequiredType() == null ? "value" : e.getRequiredType().getSimpleName().toLowerCase(java.util.Locale.ROOT));
        return problem(ProblemType.VALIDATION, e.getName() + ": " + message,
                List.of(new ApiProblemException.FieldError(e.getName(), message)), request);
    }

    @ExceptionHandler(MultipartException.class)
    ResponseEntity<Object> multipart(MultipartException e, WebRequest request) {
        if (e instanceof MaxUploadSizeExceededException tooLarge) {
            return handleMaxUploadSizeExceededException(tooLarge, new HttpHeaders(), HttpStatus.PAYLOAD_TOO_LARGE, request);
        }
        return problem(ProblemType.UNSUPPORTED_MEDIA_TYPE,
                "the request body is not a valid multipart/form-data request; send the images as multipart parts", List.of(), request);
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<Object> unexpected(Exception e, WebRequest request) {
        log.error("Unexpected error on {}", path(request), e);
        return problem(ProblemType.INTERNAL, "an unexpected error occurred; it has been logged", List.of(), request);
    }

    /** Spring MVC's own exceptions, given our types and details users can act on. */
    @Override
    protected ResponseEntity<Object> handleExceptionInternal(Exception ex, Object body, HttpHeaders headers,
            HttpStatusCode statusCode, WebRequest request) {
        ProblemType type = typeFor(statusCode);
        String detail = body instanceof ProblemDetail problem && problem.getDetail() != null ? problem.getDetail() : type.title();
        List<ApiProblemException.FieldError> errors = List.of();
        if (ex instanceof MissingServletRequestPartException missing) {
            detail = "the multipart part '" + missing.getRequestPartName() + "' is required";
            errors = List.of(new ApiProblemException.FieldError(missing.getRequestPartName(), "required"));
        } else if (ex instanceof MissingServletRequestParameterException missing) {
            detail = "the parameter '" + missing.getParameterName() + "' is required";
            errors = List.of(new ApiProblemException.FieldError(missing.getParameterName(), "required"));
        } else if (ex instanceof MaxUploadSizeExceededException tooLarge) {
            detail = "the upload is larger than allowed (" + describeLimit(tooLarge.getMaxUploadSize()) + "); send smaller files";
        } else if (ex instanceof HttpMediaTypeNotSupportedException unsupported) {
            detail = "content type " + unsupported.getContentType() + " is not accepted here; use " + unsupported.getSupportedMediaTypes();
        } else if (ex instanceof NoResourceFoundException) {
            detail = "there is nothing at " + path(request) + "; the API's paths are listed at /v3/api-docs";
        } else if (ex instanceof HttpRequestMethodNotSupportedException unsupported) {
            detail = unsupported.getMethod() + " is not supported on " + path(request) + "; use "
                    + String.join(" or ", unsupported.getSupportedMethods() == null ? new String[] {"another method"} : unsupported.getSupportedMethods());
        } else if (ex instanceof HttpMediaTypeNotAcceptableException notAcceptable) {
            detail = "no response type in the Accept header can be produced here; accept " + notAcceptable.getSupportedMediaTypes();
        }
        ProblemDetail problem = build(type, statusCode, detail, errors, request);
        return ResponseEntity.status(statusCode).headers(headers).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
    }

    private static String describeLimit(long bytes) {
        return bytes < 0 ? "see spring.servlet.multipart.max-file-size" : bytes + " bytes";
    }

    private static ProblemType typeFor(HttpStatusCode status) {
        return switch (status.value()) {
            case 400 -> ProblemType.VALIDATION;
            case 401 -> ProblemType.UNAUTHORIZED;
            case 404 -> ProblemType.NOT_FOUND;
            case 405 -> ProblemType.METHOD_NOT_ALLOWED;
            case 406 -> ProblemType.NOT_ACCEPTABLE;
            case 413 -> ProblemType.PAYLOAD_TOO_LARGE;
            case 415 -> ProblemType.UNSUPPORTED_MEDIA_TYPE;
            case 503 -> ProblemType.MODEL_UNAVAILABLE;
            default -> status.is4xxClientError() ? ProblemType.VALIDATION : ProblemType.INTERNAL;
        };
    }

    private ResponseEntity<Object> problem(ProblemType type, String detail, List<ApiProblemException.FieldError> errors, WebRequest request) {
        ProblemDetail body = build(type, type.status(), detail, errors, request);
        return ResponseEntity.status(type.status()).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(body);
    }

    private static ProblemDetail build(ProblemType type, HttpStatusCode status, String detail,
            List<ApiProblemException.FieldError> errors, WebRequest request) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(type.uri());
        problem.setTitle(type.title());
        problem.setInstance(URI.create(path(request)));
        if (!errors.isEmpty()) {
            problem.setProperty("errors", errors.stream().map(e -> Map.of("field", e.field(), "message", e.message())).toList());
        }
        return problem;
    }

    private static String path(WebRequest request) {
        if (request instanceof NativeWebRequest nativeRequest) {
            HttpServletRequest servlet = nativeRequest.getNativeRequest(HttpServletRequest.class);
            if (servlet != null) {
                return servlet.getRequestURI();
            }
        }
        return request instanceof ServletWebRequest servlet ? servlet.getRequest().getRequestURI() : "/";
    }
}
