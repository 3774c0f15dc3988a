package dev.pastiche.transfer;

/** A run whose estimated peak memory exceeds the budget, refused before it starts. */
public class TransferTooLargeException extends RuntimeException {

    private final long estimatedBytes;
    private final long budgetBytes;

    public TransferTooLargeException(long estimatedBytes, long budgetBytes, int size, int largestThatFits) {
        super("this run needs about " + (estimatedBytes >> 20) + " MB at its largest stage but the budget is "
                + (budgetBytes >> 20) + " MB (pastiche.transfer.memory-budget of the largest worker); " + (largestThatFits >= TransferOptions.SMALLEST_SIZE
                        ? "lower size (" + size + ") to at most " + largestThatFits
                                + ", use adam instead of lbfgs, or set downscaleToFit to let the service choose"
                        : "not even the smallest size (" + TransferOptions.SMALLEST_SIZE + ") fits; use adam instead of lbfgs, "
                                + "fewer or shallower layers, or a larger budget"));
        this.estimatedBytes = estimatedBytes;
        this.budgetBytes = budgetBytes;
    }

    public long estimatedBytes() {
        return estimatedBytes;
    }

    public long budgetBytes() {
        return budgetBytes;
    }
}
