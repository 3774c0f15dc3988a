package dev.pastiche.perception;

/** {@code pastiche.model.max-queued} scoring requests are waiting already. */
public class ScoringQueueFullException extends RuntimeException {

    public ScoringQueueFullException(int maxQueued) {
        super(maxQueued + " scoring requests are waiting already (pastiche.model.max-queued); retry later");
    }
}
