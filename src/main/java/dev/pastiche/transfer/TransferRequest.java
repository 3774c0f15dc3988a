package dev.pastiche.transfer;

import dev.pastiche.image.Mask;
import dev.pastiche.image.RgbImage;
import java.util.List;

/**
 * What to restyle, with what, and how: options as resolved once, when the job was submitted.
 *
 * @param masks none, or one per style (API.md's spatial control), each of the content's aspect ratio
 */
public record TransferRequest(RgbImage content, List<RgbImage> styles, List<Mask> masks, ResolvedOptions options) {

    public TransferRequest {
        styles = List.copyOf(styles);
        masks = List.copyOf(masks);
        if (!masks.isEmpty() && masks.size() != styles.size()) {
            throw new IllegalArgumentException("give one mask per style: " + styles.size() + " styles but " + masks.size() + " masks");
        }
    }

    public TransferRequest(RgbImage content, List<RgbImage> styles, ResolvedOptions options) {
        this(content, styles, List.of(), options);
    }
}
