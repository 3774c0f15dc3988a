package dev.pastiche.transfer;

import dev.pastiche.image.RgbImage;
import java.util.List;

/** What to restyle, with what, and how: options as resolved once, when the job was submitted. */
public record TransferRequest(RgbImage content, List<RgbImage> styles, ResolvedOptions options) {

    public TransferRequest {
        styles = List.copyOf(styles);
    }
}
