package dev.pastiche.transfer;

/** The run passed its {@code deadlineSeconds}. */
public class TransferDeadlineException extends RuntimeException {

    public TransferDeadlineException(long seconds) {
        super("the style transfer did not finish within its deadline of " + seconds + " s; "
                + "raise deadlineSeconds or lower size, iterations or scales");
    }
}
