package dev.pastiche.transfer;

/** The run was cancelled; it stopped within one iteration and released its native memory. */
public class TransferCancelledException extends RuntimeException {

    public TransferCancelledException() {
        super("the style transfer was cancelled");
    }
}
