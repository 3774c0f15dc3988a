package dev.pastiche.image;

import java.util.Optional;

/** The formats accepted, recognised by their signatures rather than by names or declared types. */
public enum ImageFormat {
    PNG("png", "image/png"),
    JPEG("jpeg", "image/jpeg");

    private final String formatName;
    private final String mediaType;

    ImageFormat(String formatName, String mediaType) {
        this.formatName = formatName;
        this.mediaType = mediaType;
    }

    public String formatName() {
        return formatName;
    }

    public String mediaType() {
        return mediaType;
    }

    public static Optional<ImageFormat> sniff(byte[] bytes) {
        if (bytes.length >= 8 && (bytes[0] & 0xff) == 0x89 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G'
                && bytes[4] == 0x0d && bytes[5] == 0x0a && bytes[6] == 0x1a && bytes[7] == 0x0a) {
            return Optional.of(PNG);
        }
        if (bytes.length >= 3 && (bytes[0] & 0xff) == 0xff && (bytes[1] & 0xff) == 0xd8 && (bytes[2] & 0xff) == 0xff) {
            return Optional.of(JPEG);
        }
        return Optional.empty();
    }
}
