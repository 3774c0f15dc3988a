package dev.pastiche.transfer;

import java.util.List;
import java.util.stream.Collectors;

/** Options that cannot run, each problem naming its field and what is allowed. */
public class InvalidOptionsException extends RuntimeException {

    public record FieldError(String field, String message) {
    }

    private final List<FieldError> errors;

    public InvalidOptionsException(List<FieldError> errors) {
        super(errors.stream().map(e -> e.field() + ": " + e.message()).collect(Collectors.joining("; ")));
        this.errors = List.copyOf(errors);
    }

    public List<FieldError> errors() {
        return errors;
    }
}
