package dev.pastiche.storage;

import java.util.Set;

/**
 * The blob keys a feature's rows hold, as the orphan sweep ({@link OrphanedBlobs}) asks for them.
 * Every feature that keeps blob keys has one bean of this type: the sweep removes any blob older
 * than {@code pastiche.storage.orphan-grace} that none of them claims.
 */
public interface BlobReferences {

    /** Every key the feature's rows refer to now, read in one pass. */
    Set<String> referencedBlobs();

    /** Whether any of the feature's rows refers to the key now: asked again right before a delete. */
    boolean references(String key);
}
