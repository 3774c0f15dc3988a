package dev.pastiche.transfer;

/**
 * What is delivered besides the optimised pixels.
 *
 * @param preserveColors {@code colorMode} luminance, as API.md's older option spells it
 * @param colorMode what the run does with colour
 * @param previewEvery iterations between previews
 */
public record Output(boolean preserveColors, ColorMode colorMode, int previewEvery) {

    public Output {
        // absent in a job stored before colorMode existed: preserveColors said it
        colorMode = colorMode == null ? (preserveColors ? ColorMode.LUMINANCE : ColorMode.NONE) : colorMode;
        preserveColors = colorMode == ColorMode.LUMINANCE;
    }
}
