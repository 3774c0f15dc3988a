package dev.pastiche.vgg;

/** A layer name that the variant does not have; the message lists the ones it does. */
public class UnknownLayerException extends IllegalArgumentException {

    private final String layer;

    public UnknownLayerException(VggVariant variant, String layer) {
        super("'" + layer + "' is not a layer of " + variant.id() + "; use one of " + String.join(", ", variant.tapNames()));
        this.layer = layer;
    }

    public String layer() {
        return layer;
    }
}
