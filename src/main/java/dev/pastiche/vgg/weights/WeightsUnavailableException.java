package dev.pastiche.vgg.weights;

/**
 * No acceptable weights: pretrained ones were required and none could be had. The service still
 * starts, reports readiness DOWN and answers {@code model-unavailable} with this message.
 */
public class WeightsUnavailableException extends RuntimeException {

    public WeightsUnavailableException(String message) {
        super(message);
    }
}
