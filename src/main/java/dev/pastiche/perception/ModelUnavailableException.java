package dev.pastiche.perception;

/** The model cannot serve: pretrained weights were required and none are loaded. */
public class ModelUnavailableException extends RuntimeException {

    public ModelUnavailableException(String message) {
        super(message);
    }
}
