package dev.pastiche.testing;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/** Image files built to lie: sizes declared in headers that the data does not back up. */
public final class HostileImages {

    private HostileImages() {
    }

    /** An 8-bit RGB PNG that declares width × height but holds the data of one pixel: under 100 bytes. */
    public static byte[] pngDeclaring(int width, int height) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a});
        // bit depth 8, colour type 2 (RGB), deflate, adaptive filtering, no interlace
        chunk(out, "IHDR", ByteBuffer.allocate(13).putInt(width).putInt(height).put(new byte[] {8, 2, 0, 0, 0}).array());
        chunk(out, "IDAT", deflate(new byte[] {0, 0x10, 0x20, 0x30}));
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    /** A baseline JPEG whose SOF0 header is rewritten to declare width × height (each < 65536). */
    public static byte[] jpegDeclaring(byte[] jpeg, int width, int height) {
        byte[] copy = Arrays.copyOf(jpeg, jpeg.length);
        int i = 2;
        while (i + 3 < copy.length && (copy[i] & 0xff) == 0xff) {
            int marker = copy[i + 1] & 0xff;
            if (marker == 0xc0) {
                // SOF0: FF C0, length (2), precision (1), height (2), width (2)
                ByteBuffer.wrap(copy, i + 5, 4).putShort((short) height).putShort((short) width);
                return copy;
            }
            i += 2 + (((copy[i + 2] & 0xff) << 8) | (copy[i + 3] & 0xff));
        }
        throw new IllegalArgumentException("no SOF0 segment: not a baseline JPEG");
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(typeBytes);
        out.writeBytes(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    private static byte[] deflate(byte[] data) {
        Deflater deflater = new Deflater();
        deflater.setInput(data);
        deflater.finish();
        byte[] buffer = new byte[64];
        int n = deflater.deflate(buffer);
        deflater.end();
        return Arrays.copyOf(buffer, n);
    }
}
