package dev.pastiche.classifier;

import java.util.List;

/** A request for a classifier that cannot be trained as sent: its images, labels, zip or options. */
public class InvalidTrainingSetException extends RuntimeException {

    /** The part or option at fault and what to fix. */
    public record FieldError(String field, String message) {
    }

    private final List<FieldError> errors;

    InvalidTrainingSetException(String field, String message) {
        super(field + ": " + message);
        this.errors = List.of(new FieldError(field, message));
    }

    public List<FieldError> errors() {
        return errors;
    }
}
