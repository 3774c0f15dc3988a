package dev.pastiche.web;

import java.util.List;

/** A request the API refuses, with the problem type and a detail that says how to fix it. */
public class ApiProblemException extends RuntimeException {

    /** One invalid field (API.md: validation problems list them). */
    public record FieldError(String field, String message) {
    }

    private final ProblemType type;
    private final List<FieldError> errors;

    public ApiProblemException(ProblemType type, String detail) {
        this(type, detail, List.of());
    }

    public ApiProblemException(ProblemType type, String detail, List<FieldError> errors) {
        super(detail);
        this.type = type;
        this.errors = errors;
    }

    public static ApiProblemException invalidField(String field, String message) {
        return new ApiProblemException(ProblemType.VALIDATION, field + ": " + message, List.of(new FieldError(field, message)));
    }

    public ProblemType type() {
        return type;
    }

    public List<FieldError> errors() {
        return errors;
    }
}
