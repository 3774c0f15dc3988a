package dev.pastiche.classifier;

import java.util.UUID;

/** No such classifier for this API key (another key's is not found either, as for jobs). */
public class ClassifierNotFoundException extends RuntimeException {

    ClassifierNotFoundException(UUID id) {
        super("there is no classifier " + id);
    }
}
