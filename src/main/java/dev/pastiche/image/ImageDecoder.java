package dev.pastiche.image;

import com.drew.imaging.ImageMetadataReader;
import com.drew.imaging.ImageProcessingException;
import com.drew.metadata.Metadata;
import com.drew.metadata.MetadataException;
import com.drew.metadata.exif.ExifIFD0Directory;
import dev.pastiche.image.ImageRejectedException.Reason;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.springframework.stereotype.Component;

/**
 * Turns uploaded bytes into an upright 8-bit sRGB image, safely: the format is sniffed from the
 * bytes, the pixel count is read from the header and checked before anything is decoded, decoder
 * failures and truncation become {@link ImageRejectedException}s, and EXIF orientation, alpha
 * (over white), grey, 16-bit samples and CMYK JPEGs (TwelveMonkeys) are handled as API.md says.
 */
@Component
public class ImageDecoder {

    static {
        // make the TwelveMonkeys JPEG reader visible however the application was packaged
        ImageIO.scanForPlugins();
        ImageIO.setUseCache(false);
    }

    private final long maxPixels;

    public ImageDecoder(ImageProperties properties) {
        this.maxPixels = properties.maxPixels();
    }

    /**
     * @param what how to name the image in messages, e.g. the multipart field {@code reference}
     */
    public RgbImage decode(byte[] bytes, String what) {
        return Orientation.apply(toRgb(read(bytes, what)), exifOrientation(bytes));
    }

    /**
     * A style mask (API.md): an image with transparency gives its alpha (opaque = the style
     * applies), any other its grey level (white = applies). Checked as {@link #decode} checks images.
     */
    public Mask decodeMask(byte[] bytes, String what) {
        BufferedImage decoded = read(bytes, what);
        RgbImage grey = transparent(decoded) ? alphaAsGrey(decoded) : toRgb(decoded);
        return Mask.ofLuma(Orientation.apply(grey, exifOrientation(bytes)));
    }

    /** Whether any pixel is less than opaque: only then is the alpha channel the mask. */
    private static boolean transparent(BufferedImage image) {
        if (!image.getColorModel().hasAlpha()) {
            return false;
        }
        int[] argb = image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
        for (int p : argb) {
            if ((p >>> 24) != 0xff) {
                return true;
            }
        }
        return false;
    }

    private static RgbImage alphaAsGrey(BufferedImage image) {
        int[] argb = image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
        RgbImage grey = RgbImage.blank(image.getWidth(), image.getHeight());
        int[] dst = grey.pixels();
        for (int i = 0; i < argb.length; i++) {
            int a = argb[i] >>> 24;
            dst[i] = pack(a, a, a);
        }
        return grey;
    }

    /**
     * Width × height as the header declares it, without decoding the pixels: for limits on several
     * images together, checked before any of them is decoded.
     */
    public long declaredPixels(byte[] bytes, String what) {
        ImageFormat format = format(bytes, what);
        ImageReader reader = ImageIO.getImageReadersByFormatName(format.formatName()).next();
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            reader.setInput(in, true, true);
            return (long) reader.getWidth(0) * reader.getHeight(0);
        } catch (IOException | RuntimeException e) {
            throw new ImageRejectedException(Reason.INVALID, what + " has no readable " + format.name() + " header; send a valid PNG or JPEG file");
        } finally {
            reader.dispose();
        }
    }

    /** The bytes as decoded, after the checks every upload gets: not empty, a PNG or JPEG by content, within max-pixels. */
    private BufferedImage read(byte[] bytes, String what) {
        return read(bytes, format(bytes, what), what);
    }

    /** The format, judged by the bytes: not empty, and PNG or JPEG. */
    private static ImageFormat format(byte[] bytes, String what) {
        if (bytes.length == 0) {
            throw new ImageRejectedException(Reason.INVALID, what + " is empty; send a PNG or JPEG file");
        }
        return ImageFormat.sniff(bytes).orElseThrow(() -> new ImageRejectedException(Reason.UNSUPPORTED_TYPE,
                what + " is not a PNG or JPEG image (judged by its content, not its name or declared type); send a PNG or JPEG file"));
    }

    private BufferedImage read(byte[] bytes, ImageFormat format, String what) {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format.formatName());
        if (!readers.hasNext()) {
            throw new IllegalStateException("no ImageIO reader for " + format);
        }
        ImageReader reader = readers.next();
        List<String> warnings = new ArrayList<>();
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            reader.setInput(in, true, true);
            long width = reader.getWidth(0);
            long height = reader.getHeight(0);
            if (width <= 0 || height <= 0) {
                throw new ImageRejectedException(Reason.INVALID, what + " declares an empty size " + width + "×" + height);
            }
            if (width * height > maxPixels) {
                throw new ImageRejectedException(Reason.TOO_LARGE, what + " is " + width + "×" + height + " = "
                        + width * height + " pixels; the limit is " + maxPixels + " (pastiche.image.max-pixels): scale it down");
            }
            reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
            BufferedImage image = reader.read(0);
            if (warnings.stream().anyMatch(ImageDecoder::meansDamaged)) {
                throw new ImageRejectedException(Reason.INVALID, what + " is damaged or truncated ("
                        + String.join("; ", warnings) + "); send the complete file");
            }
            return image;
        } catch (IOException | RuntimeException e) {
            if (e instanceof ImageRejectedException rejected) {
                throw rejected;
            }
            // decoders fail on malformed data with all kinds of exceptions: none may become a 500
            throw new ImageRejectedException(Reason.INVALID, what + " could not be decoded as " + format.name()
                    + " (it is damaged, truncated or uses an unsupported variant); send a valid PNG or JPEG file");
        } finally {
            reader.dispose();
        }
    }

    private static boolean meansDamaged(String warning) {
        String w = warning.toLowerCase(java.util.Locale.ROOT);
        return w.contains("premature") || w.contains("truncat") || w.contains("corrupt") || w.contains("end of");
    }

    private static int exifOrientation(byte[] bytes) {
        try {
            Metadata metadata = ImageMetadataReader.readMetadata(new ByteArrayInputStream(bytes));
            ExifIFD0Directory exif = metadata.getFirstDirectoryOfType(ExifIFD0Directory.class);
            if (exif != null && exif.containsTag(ExifIFD0Directory.TAG_ORIENTATION)) {
                return exif.getInt(ExifIFD0Directory.TAG_ORIENTATION);
            }
        } catch (ImageProcessingException | IOException | MetadataException | RuntimeException e) {
            // unreadable metadata does not make the pixels unusable: treat as upright
        }
        return 1;
    }

    /** Any decoded image to 8-bit sRGB, compositing alpha over white. */
    static RgbImage toRgb(BufferedImage src) {
        int w = src.getWidth();
        int h = src.getHeight();
        RgbImage out = RgbImage.blank(w, h);
        int[] dst = out.pixels();
        ColorModel cm = src.getColorModel();
        ColorSpace cs = cm.getColorSpace();
        if (cm instanceof ComponentColorModel && (cs.getType() == ColorSpace.TYPE_GRAY || cs.isCS_sRGB())) {
            // read samples directly: Java2D would treat grey as linear light and brighten it, and
            // it is the sample values (sRGB-coded, as PNG means them) that the model must see
            Raster raster = src.getRaster();
            int colors = cm.getNumColorComponents();
            int bands = raster.getNumBands();
            double[] scale = new double[bands];
            for (int b = 0; b < bands; b++) {
                scale[b] = 1.0 / ((1L << cm.getComponentSize(b)) - 1);
            }
            boolean alpha = cm.hasAlpha();
            boolean premultiplied = cm.isAlphaPremultiplied();
            int[] samples = new int[w * bands];
            for (int y = 0; y < h; y++) {
                raster.getPixels(0, y, w, 1, samples);
                for (int x = 0; x < w; x++) {
                    int o = x * bands;
                    double a = alpha ? samples[o + colors] * scale[colors] : 1.0;
                    double r = samples[o] * scale[0];
                    double g = colors == 1 ? r : samples[o + 1] * scale[1];
                    double b = colors == 1 ? r : samples[o + 2] * scale[2];
                    dst[y * w + x] = pack(over(r, a, premultiplied), over(g, a, premultiplied), over(b, a, premultiplied));
                }
            }
        } else {
            int[] argb = src.getRGB(0, 0, w, h, null, 0, w);
            for (int i = 0; i < argb.length; i++) {
                int p = argb[i];
                double a = (p >>> 24) / 255.0;
                dst[i] = pack(over(((p >> 16) & 0xff) / 255.0, a, false), over(((p >> 8) & 0xff) / 255.0, a, false),
                        over((p & 0xff) / 255.0, a, false));
            }
        }
        return out;
    }

    /** One channel composited over white, back to 0–255. */
    private static int over(double c, double a, boolean premultiplied) {
        double v = (premultiplied ? c : c * a) + (1 - a);
        return (int) Math.round(Math.max(0, Math.min(1, v)) * 255);
    }

    private static int pack(int r, int g, int b) {
        return (r << 16) | (g << 8) | b;
    }
}
