package dev.pastiche.transfer;

import dev.pastiche.image.RgbImage;
import java.util.List;

/** What to restyle, with what, and how. */
public record TransferRequest(RgbImage content, List<RgbImage> styles, TransferOptions options) {

    public TransferRequest {
        styles = List.copyOf(styles);
    }
}
