package dev.pastiche.transfer;

/** An optimisation whose loss or image stopped being finite: reported as such, never delivered as a black image. */
public class TransferDivergedException extends RuntimeException {

    TransferDivergedException(String where) {
        super("the optimisation diverged (" + where + " is no longer a finite number); lower learningRate or styleWeight, "
                + "or use styleLoss gram, whose terms stay finite where W2's matrix square roots may not");
    }
}
