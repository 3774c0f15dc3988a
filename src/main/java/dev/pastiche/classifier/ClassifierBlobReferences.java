package dev.pastiche.classifier;

import dev.pastiche.storage.BlobReferences;
import java.util.Set;
import org.springframework.stereotype.Component;

/** The blobs of every classifier row (uploaded images until trained, the head's weights after), for the orphan sweep. */
@Component
class ClassifierBlobReferences implements BlobReferences {

    private final ClassifierRepository classifiers;

    ClassifierBlobReferences(ClassifierRepository classifiers) {
        this.classifiers = classifiers;
    }

    @Override
    public Set<String> referencedBlobs() {
        return classifiers.blobKeys();
    }

    @Override
    public boolean references(String key) {
        return classifiers.referenced(key);
    }
}
